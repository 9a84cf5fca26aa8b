/**
 * `python.files`: a project whose settings load, at import, a file its CI generates and
 * the repository lacks (Polar's development JWKS). driftbot writes it into each side's
 * checkout from the configuration, never over a committed file and never through a link.
 */
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, newRepo } from '../support/analysis.js';
import { revision } from '../support/app-repo.js';

const VERSIONS = 'api/migrations/versions';

const SETTINGS = `import json
import os

# As Polar's settings do: the key set is loaded and checked at import.
with open(os.environ["DEV_KEY_FILE"]) as handle:
    KEYS = json.load(handle)["keys"]
`;

function createAccounts(extra: boolean): string {
  return revision(
    '0001',
    null,
    'create accounts',
    `columns = [sa.Column("id", sa.Integer(), primary_key=True)]
${extra ? 'columns.append(sa.Column("nickname", sa.Text()))\n' : ''}op.create_table("accounts", *columns)`,
    'import sqlalchemy as sa\nfrom alembic import op\n\nfrom app import settings  # noqa: F401\n',
  );
}

function config(files: string): string {
  return `databases:
  - chains: [{ versions: ${VERSIONS} }]
python:
  paths: [api]
  stub_missing_imports: false
  env:
    DEV_KEY_FILE: "{root}/api/keys/.dev-key.json"
  files:
${files}
`;
}

const BASE = {
  'api/app/__init__.py': '',
  'api/app/settings.py': SETTINGS,
  [`${VERSIONS}/0001_create_accounts.py`]: createAccounts(false),
};

describe('python.files', () => {
  it('writes the file the repository lacks into each checkout, so the code that reads it at import runs and the in-place edit is found', async () => {
    const repo = await newRepo('written-files');
    await repo.commit('base', { ...BASE, '.github/driftbot.yml': config(`    api/keys/.dev-key.json: '{"keys": []}'`) });
    await repo.branch('feature');
    await repo.commit('edit 0001 in place', { [`${VERSIONS}/0001_create_accounts.py`]: createAccounts(true) });

    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.findings).toEqual([expect.objectContaining({ table: 'accounts', name: 'nickname', difference: 'missing-on-upgraded' })]);
    expect(report.fix).toMatchObject({ verified: true });
  });

  it('a path the commit has is refused, naming the entry', async () => {
    const repo = await newRepo('written-files-committed');
    await repo.commit('base', { ...BASE, 'api/app/settings.py': SETTINGS, '.github/driftbot.yml': config(`    api/app/settings.py: 'KEYS = []'`) });
    await repo.branch('feature');
    await repo.commit('edit 0001 in place', { [`${VERSIONS}/0001_create_accounts.py`]: createAccounts(true) });

    const report = await check(repo);
    expect(report.status).toBe('error');
    expect(report.errors[0]!.message).toContain('python.files.api/app/settings.py: this commit has "api/app/settings.py" already');
  });

  it('never writes through a link the commit has: the run stops and says which part of the path is a link', async () => {
    const repo = await newRepo('written-files-link');
    await repo.commit('base', { ...BASE, '.github/driftbot.yml': config(`    api/keys/.dev-key.json: '{"keys": []}'`) });
    // A folder of the path is a link out of the checkout.
    await symlink('/tmp', join(repo.dir, 'api', 'keys'));
    await repo.git('add', 'api/keys');
    await repo.git('commit', '-q', '-m', 'keys is a link');
    await repo.branch('feature');
    await repo.commit('edit 0001 in place', { [`${VERSIONS}/0001_create_accounts.py`]: createAccounts(true) });

    const report = await check(repo);
    expect(report.status).toBe('error');
    expect(report.errors.map((e) => e.message).join('\n')).toContain('python.files: cannot write api/keys/.dev-key.json: api/keys is not a folder in this commit');
  });
});
