/**
 * A project whose code reads its settings at import (an environment variable from a
 * dotenv file in the repository, another pointing into the checkout) and expects its
 * code laid out at /app, as its container does: with `python.env`, `python.env_file`
 * and `python.mounts` it is analysed like any other; each side gets its own.
 */
import { describe, expect, it } from 'vitest';
import { check, newRepo } from '../support/analysis.js';
import { revision } from '../support/app-repo.js';

const VERSIONS = 'api/migrations/versions';

const SETTINGS = `import os

# Read at import, as pydantic-settings or plain modules do: no value, no import.
TABLE_NAME = os.environ["ACCOUNTS_TABLE"]
with open(os.environ["COLUMNS_FILE"]) as handle:
    EXTRA_COLUMN = handle.read().strip()
`;

function createAccounts(extra: boolean): string {
  return revision(
    '0001',
    null,
    'create accounts',
    `# The container lays the code out at /app: so does driftbot's sandbox.
with open("/app/config/id-type.txt") as handle:
    id_type = handle.read().strip()
columns = [sa.Column("id", sa.Integer() if id_type == "integer" else sa.BigInteger(), primary_key=True)]
${extra ? 'columns.append(sa.Column(settings.EXTRA_COLUMN, sa.Text()))\n' : ''}op.create_table(settings.TABLE_NAME, *columns)`,
    'import sqlalchemy as sa\nfrom alembic import op\n\nfrom app import settings\n',
  );
}

const CONFIG = `databases:
  - chains: [{ versions: ${VERSIONS} }]
python:
  paths: [api]
  stub_missing_imports: false
  env_file: [api/.env.testing]
  env:
    COLUMNS_FILE: "{root}/api/config/extra-column.txt"
  mounts:
    /app: api
`;

describe('the project’s settings and layout', () => {
  it('reads settings from env_file and env ({root} = the side’s checkout), lays the code out at /app, and finds the in-place edit', async () => {
    const repo = await newRepo('settings');
    await repo.commit('base', {
      '.github/driftbot.yml': CONFIG,
      'api/app/__init__.py': '',
      'api/app/settings.py': SETTINGS,
      'api/.env.testing': '# settings for tests\nexport ACCOUNTS_TABLE="accounts"  \nPATH=/nowhere\n',
      'api/config/extra-column.txt': 'nickname\n',
      'api/config/id-type.txt': 'integer\n',
      [`${VERSIONS}/0001_create_accounts.py`]: createAccounts(false),
    });
    await repo.branch('feature');
    await repo.commit('edit 0001 in place', { [`${VERSIONS}/0001_create_accounts.py`]: createAccounts(true) });

    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.environment.sandboxed).toBe(true);
    expect(report.findings).toEqual([expect.objectContaining({ table: 'accounts', name: 'nickname', difference: 'missing-on-upgraded', upgraded: null })]);
    expect(report.fix).toMatchObject({ verified: true });
  });

  it('gives each build its own /app: builds side by side on two runners each read their own side’s files', async () => {
    // The base build and the fresh build run at once, one per runner; each points /app
    // at its side when its request starts and reads it a moment later. Were /app one link
    // for all runners, both would read whichever side pointed it last.
    const slowCreate = (edited: boolean) =>
      revision(
        '0001',
        null,
        'create accounts',
        `import time
time.sleep(1.5)${edited ? '  # edited in place' : ''}
with open("/app/config/id-type.txt") as handle:
    id_type = handle.read().strip()
op.create_table("accounts", sa.Column("id", sa.Integer() if id_type == "integer" else sa.BigInteger(), primary_key=True))`,
      );
    const repo = await newRepo('settings-side-by-side');
    const config = 'databases:\n  - chains: [{ versions: api/migrations/versions }]\npython:\n  paths: [api]\n  mounts:\n    /app: api\n';
    await repo.commit('base', {
      '.github/driftbot.yml': config,
      'api/config/id-type.txt': 'integer\n',
      [`${VERSIONS}/0001_create_accounts.py`]: slowCreate(false),
    });
    await repo.branch('feature');
    await repo.commit('bigint ids, 0001 edited in place', { 'api/config/id-type.txt': 'bigint\n', [`${VERSIONS}/0001_create_accounts.py`]: slowCreate(true) });

    const report = await check(repo, 'main', 'feature', { runners: 2 });
    expect(report.errors).toEqual([]);
    // Each build read its own side: bigint ids on the fresh install, integer ones upgraded from base.
    expect(report.findings).toContainEqual(
      expect.objectContaining({ object: 'column', table: 'accounts', name: 'id', fresh: expect.stringMatching(/^bigint /), upgraded: expect.stringMatching(/^integer /) }),
    );
  });

  it('without the settings, the failure names the revision and the missing variable', async () => {
    const repo = await newRepo('settings-missing');
    await repo.commit('base', {
      '.github/driftbot.yml': CONFIG.replace(/ {2}env_file: .*\n/, ''),
      'api/app/__init__.py': '',
      'api/app/settings.py': SETTINGS,
      'api/config/extra-column.txt': 'nickname\n',
      'api/config/id-type.txt': 'integer\n',
      [`${VERSIONS}/0001_create_accounts.py`]: createAccounts(false),
    });
    await repo.branch('feature');
    await repo.commit('edit', { [`${VERSIONS}/0001_create_accounts.py`]: createAccounts(true) });
    const report = await check(repo);
    expect(report.status).toBe('error');
    expect(report.errors[0]).toMatchObject({ revision: '0001', message: expect.stringContaining('ACCOUNTS_TABLE') });
    // Base fails the same way: the message says it is the environment, not the branch.
    expect(report.errors[0]!.message).toContain("this is driftbot's environment, not this branch");
    expect(report.errors[0]!.message).toContain('give them in python.env');
  });
});
