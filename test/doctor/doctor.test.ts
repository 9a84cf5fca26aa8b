import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { doctor } from '../../src/doctor/doctor.js';
import { renderDoctor } from '../../src/doctor/render.js';
import { parseConfig } from '../../src/config/load.js';
import { detectSandbox } from '../../src/sandbox/sandbox.js';
import { packageRoot } from '../../src/package-root.js';
import { newRepo } from '../support/analysis.js';
import { ACCOUNT_MODEL, ACCOUNTS_0001, SCAFFOLD, models, revision, versionFile } from '../support/app-repo.js';

const run = promisify(execFile);

/** env.py names the models for target_metadata, then raises: doctor must only read it. */
const ENV_PY = [
  'from alembic import context',
  'from app.models import Base  # "import not.this"',
  '',
  'target_metadata = Base.metadata',
  'raise RuntimeError("driftbot must not run env.py")',
  '',
].join('\n');

const FILES = {
  ...SCAFFOLD,
  ...models(ACCOUNT_MODEL),
  'migrations/env.py': ENV_PY,
  [versionFile('0001_accounts')]: ACCOUNTS_0001,
  // Two branches off 0001: two heads.
  [versionFile('0002_index')]: revision('0002', '0001', 'index', 'op.create_index("ix_email", "accounts", ["email"])'),
  [versionFile('0003_note')]: revision('0003', '0001', 'note', 'op.add_column("accounts", sa.Column("note", sa.Text()))'),
  // An extra that needs the maintainers' own plugins, kept beside the repository: left out, and said.
  'pyproject.toml':
    '[project]\nname = "svc"\nrequires-python = ">=3.11"\n[project.optional-dependencies]\ninternal = ["plugins"]\n[tool.uv.sources]\nplugins = { path = "../plugins" }\n',
  'requirements-dev.txt': 'pytest\n',
  // A model file env.py does not import: discovery from env.py leaves it out.
  'scripts/legacy.py': 'class Legacy(Base):\n    __tablename__ = "legacy"\n',
};

describe('driftbot doctor', () => {
  it('reports the chain, its revisions and heads, env.py’s models, dependencies, the sandbox, and a suggested config that parses', async () => {
    const repo = await newRepo('doctor');
    const sha = await repo.commit('service', FILES);
    const report = await doctor({ repo: repo.dir, ref: 'HEAD', python: null });

    expect(report.commit).toEqual({ ref: 'HEAD', sha });
    expect(report.source).toBe('discovered');
    expect(report.assumptions).toContain('models: the modules migrations/env.py imports for target_metadata: app/models.py, imported from the repository root');
    expect(report.databases).toEqual([
      {
        name: 'default',
        chains: [
          {
            versions: 'migrations/versions',
            versionTable: 'alembic_version',
            revisions: 3,
            heads: ['0002', '0003'],
            envPy: { path: 'migrations/env.py', imports: ['alembic.context', 'app.models.Base'], importedFiles: ['app/models.py'], targetMetadata: ['Base.metadata'] },
          },
        ],
        modelFiles: ['app/models.py'],
      },
    ]);
    expect(report.dependencies).toEqual({
      files: ['pyproject.toml', 'requirements-dev.txt'],
      requiresPython: '>=3.11',
      chosenBy: 'found pyproject.toml (set python.requirements to choose others, or [] for none)',
      problem: null,
      leftOut: ['pyproject.toml: extra internal left out: it needs plugins, which [tool.uv.sources] takes from "../plugins", outside the repository'],
    });
    // The project's environment would be made from an interpreter requires-python accepts.
    expect(report.interpreter.version).toMatch(/^3\.(1[1-9]|[2-9]\d)\.\d+$/);
    expect(report.interpreter.chosenBy).toContain(
      "the project's own environment, installed with uv on first use (pyproject.toml, requirements-dev.txt), on a Python that fits requires-python in pyproject.toml",
    );
    expect(report.sandbox).toEqual(await detectSandbox());

    const suggested = parseConfig(report.suggestedConfig, '.github/driftbot.yml');
    expect(suggested.databases).toEqual([
      { name: 'default', chains: [{ versions: 'migrations/versions', versionTable: 'alembic_version', schema: null }], models: ['app/models.py'], install: 'migrations' },
    ]);
    expect(suggested.python.paths).toEqual(['.']);

    const text = renderDoctor(report);
    expect(text).toContain('Configuration: none: discovery');
    expect(text).toContain('chain migrations/versions (version table alembic_version): 3 revisions, heads 0002, 0003');
    expect(text).toContain('migrations/env.py imports: alembic.context, app.models.Base');
    expect(text).toContain('target_metadata = Base.metadata');
    expect(text).toContain('  not installed: pyproject.toml: extra internal left out: it needs plugins');
    expect(text).toMatch(/^Sandbox: (works here \(bubblewrap .+\)|not available: .+)$/m);
    // Nothing was written to the repository.
    expect(await repo.git('status', '--porcelain')).toBe('');
  });

  it('shows a config file’s python.env names but never their values, nor a control character from a file name', async () => {
    const repo = await newRepo('doctor-config');
    await repo.commit('service', {
      ...FILES,
      '.github/driftbot.yml': [
        'databases:',
        '  - chains: [{ versions: migrations/versions }]',
        '    models: ["app/*.py"]',
        'python:',
        '  env: { DATABASE_PASSWORD: "s3cret-value" }',
        '  env_file: [settings.env]',
        '',
      ].join('\n'),
      'settings.env': 'DEBUG=1\n',
      'app/\u001b[31mred.py': '',
    });
    const report = await doctor({ repo: repo.dir, ref: 'main', python: null });
    const text = renderDoctor(report);
    expect(report.source).toBe('.github/driftbot.yml');
    expect(report.settings).toEqual({ envNames: ['DATABASE_PASSWORD'], envFiles: ['settings.env'], mounts: {}, writtenFiles: [] });
    expect(text).toContain('python.env DATABASE_PASSWORD (values not shown); env_file settings.env');
    expect(text).not.toContain('s3cret-value');
    expect(report.suggestedConfig).not.toContain('s3cret-value');
    expect(text).not.toContain('\u001b');
    expect(text).toContain('app/\uFFFD[31mred.py');
    expect(parse(report.suggestedConfig).python.env_file).toEqual(['settings.env']);
  });

  it('runs as bin/driftbot doctor: exit 0 with the report; exit 2 naming a bad ref or a folder that is not a repository', async () => {
    const repo = await newRepo('doctor-cli');
    await repo.commit('service', FILES);
    const bin = join(packageRoot(), 'bin/driftbot');
    const { stdout } = await run(process.execPath, [bin, 'doctor', '--repo', repo.dir]);
    expect(stdout).toContain('3 revisions, heads 0002, 0003');
    expect(stdout).toContain('of which in this repository: app/models.py');
    expect(stdout).toMatch(/^Sandbox: /m);
    expect(stdout).toContain('Suggested .github/driftbot.yml (nothing was written):');

    const badRef = await run(process.execPath, [bin, 'doctor', '--repo', repo.dir, '--ref', 'no-such-branch']).catch((error: { code: number; stderr: string }) => error);
    expect(badRef).toMatchObject({ code: 2, stderr: `driftbot: unknown git ref "no-such-branch" in ${repo.dir}\n` });
    const empty = await mkdtemp(join(tmpdir(), 'driftbot-test-not-a-repo-'));
    const notRepo = await run(process.execPath, [bin, 'doctor', '--repo', empty]).catch((error: { code: number; stderr: string }) => error);
    expect(notRepo).toMatchObject({ code: 2, stderr: `driftbot: ${empty} is not a git repository (--repo)\n` });

    await repo.commit('a misspelt key', { '.github/driftbot.yml': 'databases:\n  - chains:\n      - versions: migrations/versions\n        version_tabel: v\n' });
    const badConfig = await run(process.execPath, [bin, 'doctor', '--repo', repo.dir]).catch((error: { code: number; stderr: string }) => error);
    expect(badConfig).toMatchObject({ code: 2, stderr: 'driftbot: .github/driftbot.yml:4:9: databases[0].chains[0].version_tabel: unknown key\n' });
  });
});
