/**
 * A repository shaped like the incident in ../shared/seed: a `core` chain whose
 * revision `oss000000008` creates `session_streams` with a JSONB `status`, and a
 * branch that edits that revision in place (`status` becomes `tags`, `meta` is added,
 * `status` returns as VARCHAR) while the models mix in `TagsDBA` and `MetaDBA` and a
 * DAO selects the model.
 */
import { GitFixture } from './git-fixture.js';

export const VERSIONS = 'api/oss/databases/postgres/migrations/core/versions';
const SHARED = 'api/oss/src/dbs/postgres/shared';
const STREAMS = 'api/oss/src/dbs/postgres/sessions/streams';
const PROJECTS = 'api/oss/src/dbs/postgres/projects';

export const SEED_CONFIG = `# driftbot configuration: one database, one chain, models from every dbes.py
databases:
  - name: core
    chains:
      - versions: ${VERSIONS}
        version_table: alembic_version
    models:
      - api/oss/src/dbs/postgres/**/dbes.py
python:
  paths: [api]
`;

/** An Alembic revision file; several down revisions make a merge revision. */
export function revision(id: string, down: string | string[] | null, message: string, upgrade: string, imports = 'import sqlalchemy as sa\nfrom alembic import op\n'): string {
  const downs = down === null ? [] : Array.isArray(down) ? down : [down];
  const downValue = downs.length === 0 ? 'None' : downs.length === 1 ? `"${downs[0]}"` : `(${downs.map((d) => `"${d}"`).join(', ')})`;
  return `"""${message}

Revision ID: ${id}
Revises: ${downs.join(', ')}
"""
${imports}
revision = "${id}"
down_revision = ${downValue}
branch_labels = None
depends_on = None


def upgrade() -> None:
${upgrade.replace(/^/gm, '    ').trimEnd()}


def downgrade() -> None:
    pass
`;
}

const PG = 'import sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy.dialects import postgresql\n';

/** Revisions 1–7: the history both branches share. */
export const HISTORY: Record<string, string> = {
  [`${VERSIONS}/oss000000001_create_projects.py`]: revision(
    'oss000000001',
    null,
    'create projects',
    `op.create_table(
    "projects",
    sa.Column("id", sa.UUID(), primary_key=True),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("created_at", sa.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False),
)`,
  ),
  [`${VERSIONS}/oss000000002_create_users.py`]: revision(
    'oss000000002',
    'oss000000001',
    'create users',
    `op.create_table(
    "users",
    sa.Column("id", sa.UUID(), primary_key=True),
    sa.Column("email", sa.String(), nullable=False),
    sa.UniqueConstraint("email", name="uq_users_email"),
)`,
  ),
  [`${VERSIONS}/oss000000003_add_project_owner.py`]: revision(
    'oss000000003',
    'oss000000002',
    'add project owner',
    `op.add_column("projects", sa.Column("owner_id", sa.UUID(), sa.ForeignKey("users.id"), nullable=True))`,
  ),
  [`${VERSIONS}/oss000000004_create_sessions.py`]: revision(
    'oss000000004',
    'oss000000003',
    'create sessions',
    `op.create_table(
    "sessions",
    sa.Column("id", sa.String(), primary_key=True),
    sa.Column("project_id", sa.UUID(), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
)`,
  ),
  [`${VERSIONS}/oss000000005_index_sessions.py`]: revision(
    'oss000000005',
    'oss000000004',
    'index sessions by project',
    `op.create_index("ix_sessions_project_id", "sessions", ["project_id"])`,
  ),
  [`${VERSIONS}/oss000000006_backfill_project_names.py`]: revision(
    'oss000000006',
    'oss000000005',
    'backfill empty project names',
    `op.execute("UPDATE projects SET name = 'untitled' WHERE name = ''")`,
  ),
  [`${VERSIONS}/oss000000007_session_flags.py`]: revision(
    'oss000000007',
    'oss000000006',
    'session flags',
    `op.add_column("sessions", sa.Column("flags", postgresql.JSONB(), nullable=True))`,
    PG,
  ),
};

const OSS8_BASE = revision(
  'oss000000008',
  'oss000000007',
  'add session streams',
  `op.create_table(
    "session_streams",
    sa.Column("id", sa.UUID(), primary_key=True),
    sa.Column("project_id", sa.UUID(), nullable=False),
    sa.Column("session_id", sa.String(), nullable=False),
    sa.Column("flags", postgresql.JSONB(), nullable=True),
    sa.Column("status", postgresql.JSONB(), nullable=True),
)`,
  PG,
);

const OSS8_HEAD = revision(
  'oss000000008',
  'oss000000007',
  'add session streams',
  `op.create_table(
    "session_streams",
    sa.Column("id", sa.UUID(), primary_key=True),
    sa.Column("project_id", sa.UUID(), nullable=False),
    sa.Column("session_id", sa.String(), nullable=False),
    sa.Column("flags", postgresql.JSONB(), nullable=True),
    sa.Column("tags", postgresql.JSONB(), nullable=True),
    sa.Column("meta", sa.JSON(), nullable=True),
    sa.Column("status", sa.String(), nullable=True),
)`,
  PG,
);

const PACKAGES: Record<string, string> = {
  'api/oss/__init__.py': '',
  'api/oss/src/__init__.py': '',
  'api/oss/src/dbs/__init__.py': '',
  'api/oss/src/dbs/postgres/__init__.py': '',
  [`${SHARED}/__init__.py`]: '',
  'api/oss/src/dbs/postgres/sessions/__init__.py': '',
  [`${STREAMS}/__init__.py`]: '',
  [`${PROJECTS}/__init__.py`]: '',
  [`${SHARED}/base.py`]: `from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
`,
  [`${PROJECTS}/dbes.py`]: `import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from oss.src.dbs.postgres.shared.base import Base


class UserDBE(Base):
    __tablename__ = "users"
    __table_args__ = (sa.UniqueConstraint("email", name="uq_users_email"),)

    id: Mapped[sa.UUID] = mapped_column(sa.UUID, primary_key=True)
    email: Mapped[str] = mapped_column(sa.String, nullable=False)


class ProjectDBE(Base):
    __tablename__ = "projects"

    id: Mapped[sa.UUID] = mapped_column(sa.UUID, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String, nullable=False)
    owner_id = mapped_column(sa.UUID, sa.ForeignKey("users.id"), nullable=True)
    created_at = mapped_column(sa.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False)


class SessionDBE(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    project_id = mapped_column(sa.UUID, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    flags = mapped_column(sa.dialects.postgresql.JSONB, nullable=True)
`,
  [`${STREAMS}/dao.py`]: `from sqlalchemy import select

from oss.src.dbs.postgres.sessions.streams.dbes import SessionStreamDBE


class SessionStreamsDAO:
    def __init__(self, engine):
        self.engine = engine

    async def fetch_stream(self, session, stream_id):
        # Loads every mapped column of the stream.
        query = select(SessionStreamDBE).where(SessionStreamDBE.id == stream_id)
        return (await session.execute(query)).scalar_one_or_none()

    async def fetch_streams(self, session, project_id):
        query = select(SessionStreamDBE).where(SessionStreamDBE.project_id == project_id)
        return (await session.execute(query)).scalars().all()
`,
};

const DBAS_BASE = `import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import declared_attr


class ProjectScopeDBA:
    project_id = sa.Column(sa.UUID, nullable=False)


class FlagsDBA:
    flags = sa.Column(JSONB, nullable=True)


class StatusDBA:
    status = sa.Column(JSONB, nullable=True)
`;

const DBAS_HEAD = `import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import declared_attr


class ProjectScopeDBA:
    project_id = sa.Column(sa.UUID, nullable=False)


class FlagsDBA:
    flags = sa.Column(JSONB, nullable=True)


class TagsDBA:
    tags = sa.Column(JSONB, nullable=True)


class MetaDBA:
    @declared_attr
    def meta(cls):
        return sa.Column(sa.JSON, nullable=True)
`;

const STREAMS_BASE = `import sqlalchemy as sa

from oss.src.dbs.postgres.shared.base import Base
from oss.src.dbs.postgres.shared.dbas import FlagsDBA, ProjectScopeDBA, StatusDBA


class SessionStreamDBE(Base, ProjectScopeDBA, FlagsDBA, StatusDBA):
    __tablename__ = "session_streams"

    id = sa.Column(sa.UUID, primary_key=True)
    session_id = sa.Column(sa.String, nullable=False)
`;

const STREAMS_HEAD = `import sqlalchemy as sa

from oss.src.dbs.postgres.shared.base import Base
from oss.src.dbs.postgres.shared.dbas import FlagsDBA, MetaDBA, ProjectScopeDBA, TagsDBA


class SessionStreamDBE(Base, ProjectScopeDBA, FlagsDBA, TagsDBA, MetaDBA):
    __tablename__ = "session_streams"

    id = sa.Column(sa.UUID, primary_key=True)
    session_id = sa.Column(sa.String, nullable=False)
    status = sa.Column(sa.String, nullable=True)
`;

export interface SeedRepository {
  repo: GitFixture;
  base: string;
  head: string;
}

/** Builds the seed repository: `main` (base) and `feature` (head, the in-place edit). */
export async function createSeedRepository(dir: string): Promise<SeedRepository> {
  const repo = await GitFixture.create(dir);
  await repo.commit('core schema up to oss000000007', { '.github/driftbot.yml': SEED_CONFIG, ...PACKAGES, ...HISTORY, [`${SHARED}/dbas.py`]: DBAS_BASE });
  await repo.commit('add session streams (oss000000008)', {
    [`${VERSIONS}/oss000000008_add_session_streams.py`]: OSS8_BASE,
    [`${STREAMS}/dbes.py`]: STREAMS_BASE,
  });
  await repo.branch('feature');
  await repo.commit('session streams: tags and meta instead of status', {
    [`${VERSIONS}/oss000000008_add_session_streams.py`]: OSS8_HEAD,
    [`${SHARED}/dbas.py`]: DBAS_HEAD,
    [`${STREAMS}/dbes.py`]: STREAMS_HEAD,
  });
  await repo.checkout('main');
  return { repo, base: 'main', head: 'feature' };
}
