/**
 * Code that sets up a DNS resolver at import (Polar's `polar.kit.email`:
 * `caching_resolver()` of email-validator, from real PyPI) reads /etc/resolv.conf, and
 * dnspython refuses to start without it. The sandbox without network must still have
 * that file: the import has to work, even though nothing can be resolved.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/analysis/analyse.js';
import { resolveCommit } from '../../src/workspace/git.js';
import { databasesOfRun, newRepo, testServer } from '../support/analysis.js';
import { revision } from '../support/app-repo.js';

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

let scratch: string;
const saved = { envs: process.env.DRIFTBOT_PROJECT_ENVS, uvCache: process.env.DRIFTBOT_UV_CACHE };

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'driftbot-resolver-'));
  process.env.DRIFTBOT_PROJECT_ENVS = join(scratch, 'environments');
  process.env.DRIFTBOT_UV_CACHE = join(scratch, 'uv-cache');
});

afterAll(async () => {
  for (const [name, value] of [
    ['DRIFTBOT_PROJECT_ENVS', saved.envs],
    ['DRIFTBOT_UV_CACHE', saved.uvCache],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await rm(scratch, { recursive: true, force: true });
});

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

    const server = testServer();
    const report = await analyse({
      repo: repo.dir,
      base: { ref: 'main', sha: await resolveCommit(repo.dir, 'main') },
      head: { ref: 'feature', sha: await resolveCommit(repo.dir, 'feature') },
      server,
    });
    expect(await databasesOfRun(server, report.environment.runId)).toEqual([]);
    expect(report.environment.sandboxed).toBe(true);
    expect(report.errors).toEqual([]);
    expect(report.status).toBe('clean');
  }, 300_000);
});
