import { describe, expect, it } from 'vitest';
import { check, newRepo } from '../support/analysis.js';
import { revision } from '../support/app-repo.js';
import { ownProjectEnvironments } from '../support/project-environments.js';

const VERSIONS = 'migrations/versions';

const EMAIL = `from email_validator import caching_resolver

# As Polar does: one resolver for the process, made when the module is imported.
resolver = caching_resolver()
`;

function models(extra: string): string {
  return `import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

import app.email  # noqa: F401


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id = sa.Column(sa.Integer, primary_key=True)
${extra}`;
}

const IMPORTS = 'import sqlalchemy as sa\nfrom alembic import op\n\nimport app.email  # noqa: F401\n';

ownProjectEnvironments('resolver');

describe('a DNS resolver made at import', () => {
  it('imports in the sandbox without network, and an appended revision is clean', async () => {
    const repo = await newRepo('resolver');
    await repo.commit('base', {
      '.github/driftbot.yml': `databases:\n  - chains: [{ versions: ${VERSIONS} }]\n    models: [app/models.py]\npython:\n  paths: ["."]\n  requirements: [requirements.txt]\n  stub_missing_imports: false\n`,
      'requirements.txt': 'email-validator==2.2.0\n',
      'app/__init__.py': '',
      'app/email.py': EMAIL,
      'app/models.py': models(''),
      [`${VERSIONS}/0001_customers.py`]: revision('0001', null, 'customers', 'op.create_table("customers", sa.Column("id", sa.Integer(), primary_key=True))', IMPORTS),
    });
    await repo.branch('feature');
    await repo.commit('customers.email', {
      'app/models.py': models('    email = sa.Column(sa.Text)\n'),
      [`${VERSIONS}/0002_email.py`]: revision('0002', '0001', 'email', 'op.add_column("customers", sa.Column("email", sa.Text()))', IMPORTS),
    });

    const report = await check(repo);
    expect(report.environment.sandboxed).toBe(true);
    expect(report.errors).toEqual([]);
    expect(report.status).toBe('clean');
  }, 300_000);
});
