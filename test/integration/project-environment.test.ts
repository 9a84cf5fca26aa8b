/**
 * A project whose code needs its own dependencies, from real PyPI: a pyproject.toml with
 * a uv.lock (pydantic-settings, and an SDK of the repository's own as a path dependency),
 * a settings module read at import, migrations and models. Base and head pin different
 * versions: each side runs in its own environment, and a second run installs nothing.
 */
import { ownProjectEnvironments } from '../support/project-environments.js';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/analysis/analyse.js';
import { ensurePythonEnvironment } from '../../src/alembic/python-env.js';
import type { Report } from '../../src/report/report.js';
import { resolveCommit } from '../../src/workspace/git.js';
import type { GitFixture } from '../../demo/git-fixture.js';
import { databasesOfRun, newRepo, testServer } from '../support/analysis.js';
import { revision } from '../support/app-repo.js';

const run = promisify(execFile);
const VERSIONS = 'server/migrations/versions';

const CONFIG = `databases:
  - chains: [{ versions: ${VERSIONS} }]
    models: [server/app/models.py]
python:
  paths: [server]
  requirements: [server/pyproject.toml]
  stub_missing_imports: false
`;

function pyproject(pin: string, requiresPython = '>=3.10'): string {
  return `[project]
name = "server"
version = "0.1.0"
requires-python = "${requiresPython}"
dependencies = ["pydantic-settings==${pin}", "acme-sdk"]

[tool.uv.sources]
acme-sdk = { path = "../sdks/python" }
`;
}

const SDK = {
  'sdks/python/pyproject.toml': `[project]
name = "acme-sdk"
version = "1.0.0"

[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"
`,
  'sdks/python/acme_sdk/__init__.py': 'TABLE = "accounts"\n',
};

/** Read at import, as real services do: without pydantic-settings and the SDK, nothing imports. */
const SETTINGS = `import importlib.metadata

import acme_sdk
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    accounts_table: str = acme_sdk.TABLE
    # Which pydantic-settings this side runs with, as a column name.
    marker: str = "v" + importlib.metadata.version("pydantic-settings").replace(".", "_")


settings = Settings()
`;

const MODELS = `import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from app.settings import settings


class Base(DeclarativeBase):
    pass


accounts = sa.Table(settings.accounts_table, Base.metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column(settings.marker, sa.Text()))
`;

const CREATE_ACCOUNTS = revision(
  '0001',
  null,
  'create accounts',
  'op.create_table(settings.accounts_table, sa.Column("id", sa.Integer(), primary_key=True), sa.Column(settings.marker, sa.Text()))',
  'import sqlalchemy as sa\nfrom alembic import op\n\nfrom app.settings import settings\n',
);

// Environments of this file only (so the first run really installs); uv's download cache shared by its tests.
const { scratch } = ownProjectEnvironments('project-env');
let uv: string;

beforeAll(async () => {
  uv = join(dirname(await ensurePythonEnvironment()), 'uv');
});

/** server/pyproject.toml and its uv.lock, resolved by uv against PyPI as a developer would. */
async function project(pin: string, requiresPython?: string): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(scratch(), 'lock-'));
  const files = { 'server/pyproject.toml': pyproject(pin, requiresPython), ...SDK };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  await run(uv, ['lock', '--no-config', '--python', 'python3'], { cwd: join(dir, 'server'), env: { ...process.env, UV_CACHE_DIR: process.env.DRIFTBOT_UV_CACHE! } });
  return { ...files, 'server/uv.lock': await readFile(join(dir, 'server', 'uv.lock'), 'utf8') };
}

async function check(repo: GitFixture, lines: string[], sandbox = true): Promise<Report> {
  const server = testServer();
  const report = await analyse({
    sandbox,
    repo: repo.dir,
    base: { ref: 'main', sha: await resolveCommit(repo.dir, 'main') },
    head: { ref: 'feature', sha: await resolveCommit(repo.dir, 'feature') },
    server,
    log: (line) => lines.push(line),
  });
  expect(await databasesOfRun(server, report.environment.runId)).toEqual([]);
  return report;
}

describe("the project's own Python environment", () => {
  it('installs each side’s pins from its uv.lock (a path dependency from the checkout), runs migrations and models with them, and reuses the environments on the next run', async () => {
    const repo = await newRepo('project-env');
    await repo.commit('base', {
      '.github/driftbot.yml': CONFIG,
      ...(await project('2.6.1')),
      'server/app/__init__.py': '',
      'server/app/settings.py': SETTINGS,
      'server/app/models.py': MODELS,
      [`${VERSIONS}/0001_create_accounts.py`]: CREATE_ACCOUNTS,
    });
    await repo.branch('feature');
    await repo.commit('upgrade pydantic-settings', await project('2.7.0'));

    const lines: string[] = [];
    const report = await check(repo, lines);
    expect(report.errors).toEqual([]);
    expect(report.standIns).toEqual([]);
    expect(report.environment.sandboxed).toBe(true);
    // Base applied 0001 with 2.6.1, head's fresh install and models ran with 2.7.0.
    const columns = Object.fromEntries(report.findings.map((f) => [`${f.table}.${f.name}`, { fresh: f.fresh !== null, upgraded: f.upgraded !== null, models: f.models !== null }]));
    expect(columns).toEqual({
      'accounts.v2_7_0': { fresh: true, upgraded: false, models: true },
      'accounts.v2_6_1': { fresh: false, upgraded: true, models: false },
    });
    expect(lines.filter((l) => /^python environment for (head|base): installing server\/pyproject\.toml, server\/uv\.lock, Python /.test(l))).toHaveLength(2);
    // Neither lock has SQLAlchemy or Alembic: driftbot adds its own, at its pins.
    expect(lines).toContainEqual(
      expect.stringMatching(/^python environment for head: adding what driftbot's runner needs: SQLAlchemy==.*alembic==.*psycopg\[binary\]==.*greenlet==/),
    );

    const again: string[] = [];
    const second = await check(repo, again);
    expect(second.findings.map((f) => f.name).sort()).toEqual(['v2_6_1', 'v2_7_0']);
    expect(again.filter((l) => l.startsWith('python environment for'))).toEqual([
      expect.stringMatching(/^python environment for head: reused /),
      expect.stringMatching(/^python environment for base: reused /),
    ]);
    expect(again.some((l) => l.startsWith('uv: '))).toBe(false);
    // Two installs from PyPI (base and head, uv's cache cold) and two analyses: minutes on a loaded machine.
  }, 300_000);

  it('says which file asks for which Python, what this machine has, and how to get it, when no interpreter fits', async () => {
    const repo = await newRepo('project-env-python');
    const files = await project('2.6.1');
    files['server/pyproject.toml'] = pyproject('2.6.1', '==3.99.*');
    await repo.commit('base', { '.github/driftbot.yml': CONFIG, ...files, 'server/app/__init__.py': '', [`${VERSIONS}/0001_create_accounts.py`]: CREATE_ACCOUNTS });
    await repo.branch('feature');
    await repo.commit('touch', { 'server/app/__init__.py': '# touched\n' });

    const report = await check(repo, []);
    expect(report.status).toBe('error');
    const [error] = report.errors;
    expect(error?.message).toMatch(/requires-python in server\/pyproject\.toml asks for Python ==3\.99\.\*, and no interpreter on this machine fits it \(found: 3\.\d+\.\d+ \(\//);
    expect(error?.message).toContain('uv python install 3.99');
    expect(error?.message).toContain('set python.version in .github/driftbot.yml');
  });

  it('refuses a package index the repository chooses, naming the file, before installing anything', async () => {
    const repo = await newRepo('project-env-index');
    const files = await project('2.6.1');
    files['server/pyproject.toml'] += '\n[[tool.uv.index]]\nname = "ours"\nurl = "https://packages.example.com/simple"\n';
    await repo.commit('base', { '.github/driftbot.yml': CONFIG, ...files, 'server/app/__init__.py': '', [`${VERSIONS}/0001_create_accounts.py`]: CREATE_ACCOUNTS });
    await repo.branch('feature');
    await repo.commit('touch', { 'server/app/__init__.py': '# touched\n' });

    const lines: string[] = [];
    const report = await check(repo, lines);
    expect(report.errors).toEqual([
      expect.objectContaining({
        path: 'server/pyproject.toml',
        message: expect.stringContaining('[tool.uv] index: a repository does not choose where driftbot downloads packages from'),
      }),
    ]);
    expect(lines.some((l) => l.startsWith('python environment for') || l.startsWith('uv: '))).toBe(false);
  });

  it('runs on the Python python.version asks for, with only what the runner needs, and installs without the sandbox under --no-sandbox', async () => {
    const repo = await newRepo('project-env-version');
    // PEP 695 syntax: Python 3.12 or newer, or the revision does not even compile.
    const newSyntax = revision(
      '0001',
      null,
      'py',
      'type Name = str\nop.execute(f"CREATE TABLE py{sys.version_info[0]}{sys.version_info[1]} (id int)")',
      'import sys\n\nfrom alembic import op\n',
    );
    await repo.commit('base', {
      '.github/driftbot.yml': `databases:\n  - chains: [{ versions: ${VERSIONS} }]\npython:\n  version: "3.12"\n`,
      [`${VERSIONS}/0001_py.py`]: newSyntax,
    });
    await repo.branch('feature');
    await repo.commit('add', { [`${VERSIONS}/0002_more.py`]: revision('0002', '0001', 'more', 'op.execute("CREATE TABLE more (id int)")') });

    const lines: string[] = [];
    const report = await check(repo, lines, false);
    expect(report.errors).toEqual([]);
    expect(report.environment.sandboxed).toBe(false);
    expect(report.status).toBe('clean');
    expect(lines).toContainEqual(expect.stringMatching(/^python environment for head: (installing|reused) \(?Python 3\.12\.\d+/));
    expect(report.findings).toEqual([]);
  }, 300_000);
});
