/**
 * A small service laid out the way `alembic init` leaves it (alembic.ini,
 * migrations/env.py, migrations/versions) with models in app/models.py and no
 * driftbot config, so every test through it also exercises discovery. Its env.py
 * raises: driftbot must never run it.
 */
import { revision } from '../../demo/seed-repo.js';

export { revision };

export const VERSIONS = 'migrations/versions';

export const SCAFFOLD: Record<string, string> = {
  'alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = postgresql://app@db/app\n',
  'migrations/env.py': 'raise RuntimeError("driftbot must not run env.py")\n',
  'app/__init__.py': '',
  'README.md': '# a service\n',
};

export function versionFile(name: string): string {
  return `${VERSIONS}/${name}.py`;
}

/** app/models.py with the given model classes (SQLAlchemy 2 declarative). */
export function models(body: string): Record<string, string> {
  return {
    'app/models.py': `import enum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


${body.trim()}
`,
  };
}

export const ACCOUNTS_0001 = revision(
  '0001',
  null,
  'create accounts',
  `op.create_table(
    "accounts",
    sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
    sa.Column("email", sa.String(length=200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
)`,
);

export const ACCOUNT_MODEL = `
class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(sa.Integer, sa.Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    created_at = mapped_column(sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)
`;
