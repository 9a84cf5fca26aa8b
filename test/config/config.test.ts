import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.js';
import { discoverConfig } from '../../src/config/discover.js';
import { isIgnored } from '../../src/config/ignore.js';
import type { RepoFiles } from '../../src/workspace/repo-files.js';

const CONTRACT_EXAMPLE = `databases:
  - name: core                         # default: "default"
    chains:                            # applied in this order into the same database
      - versions: api/oss/databases/postgres/migrations/core/versions
        version_table: alembic_version # default
      - versions: api/oss/databases/postgres/migrations/core_oss/versions
        version_table: alembic_version_oss
    models:                            # globs of modules whose SQLAlchemy metadata this database must match
      - api/oss/src/dbs/postgres/**/dbes.py
python:
  paths: [api]                         # import roots added to sys.path
  stub_missing_imports: true           # stand-ins for app modules that cannot be imported; each one is reported
  executable: null                     # default: driftbot's own managed Python environment
ignore: []                             # "table" or "table.column" patterns left out of findings
fix:
  revision: auto                       # next id in the chain's own pattern (oss000000008 → oss000000009)
`;

function files(map: Record<string, string>): RepoFiles {
  return {
    paths: Object.keys(map),
    read: async (path) => map[path] ?? null,
    containing: async (text) => Object.keys(map).filter((p) => map[p]!.includes(text)),
  };
}

function problem(text: string): ConfigError {
  try {
    parseConfig(text, '.github/driftbot.yml');
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('reads the contract’s example exactly', () => {
    expect(parseConfig(CONTRACT_EXAMPLE, '.github/driftbot.yml')).toEqual({
      databases: [
        {
          name: 'core',
          chains: [
            { versions: 'api/oss/databases/postgres/migrations/core/versions', versionTable: 'alembic_version' },
            { versions: 'api/oss/databases/postgres/migrations/core_oss/versions', versionTable: 'alembic_version_oss' },
          ],
          models: ['api/oss/src/dbs/postgres/**/dbes.py'],
        },
      ],
      python: { paths: ['api'], stubMissingImports: true, executable: null },
      ignore: [],
      fix: { revision: 'auto' },
      upgradeFrom: [],
      source: '.github/driftbot.yml',
      assumptions: [],
    });
  });

  it('fills the defaults', () => {
    expect(parseConfig('databases:\n  - chains:\n      - versions: migrations/versions\n', 'x.yml')).toMatchObject({
      databases: [{ name: 'default', chains: [{ versions: 'migrations/versions', versionTable: 'alembic_version' }], models: [] }],
      python: { paths: [], stubMissingImports: true, executable: null },
      fix: { revision: 'auto' },
    });
  });

  it('names file, line and column of an unknown key', () => {
    const error = problem('databases:\n  - chains:\n      - versions: v\n        version_tabel: x\n');
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe('.github/driftbot.yml:4:9: databases[0].chains[0].version_tabel: unknown key "version_tabel"');
  });

  it('names the line of a wrong type', () => {
    const error = problem('databases:\n  - chains:\n      - versions: v\npython:\n  stub_missing_imports: "yes"\n');
    expect(error.line).toBe(5);
    expect(error.message).toMatch(/python\.stub_missing_imports: .*boolean/i);
  });

  it('names the line of a YAML syntax error', () => {
    const error = problem('databases:\n  - chains: [\n');
    expect(error.message).toMatch(/^\.github\/driftbot\.yml:\d+:\d+: YAML syntax error/);
  });

  it('says a chain folder that does not exist, naming the key', async () => {
    await expect(loadConfig(files({ '.github/driftbot.yml': 'databases:\n  - chains:\n      - versions: nope/versions\n' }))).rejects.toThrow(
      'databases[0].chains[0].versions: folder "nope/versions" does not exist in this commit',
    );
  });
});

describe('discoverConfig', () => {
  const revision = 'revision = "0001"\ndown_revision = None\n';

  it('follows alembic.ini’s script_location with %(here)s', async () => {
    const config = await discoverConfig(
      files({ 'svc/alembic.ini': '[alembic]\nscript_location = %(here)s/db/migrations\n', 'svc/db/migrations/versions/0001_x.py': revision, 'svc/app/__init__.py': '', 'svc/app/models.py': 'class A(Base):\n    __tablename__ = "a"\n' }),
    );
    expect(config.databases[0]!.chains).toEqual([{ versions: 'svc/db/migrations/versions', versionTable: 'alembic_version' }]);
    expect(config.databases[0]!.models).toEqual(['svc/app/models.py']);
    expect(config.python.paths).toEqual(['svc', '.']);
    expect(config.assumptions.join(' ')).toContain('script_location of svc/alembic.ini');
  });

  it('matches an absolute container path by its suffix', async () => {
    const config = await discoverConfig(files({ 'alembic.ini': '[alembic]\nscript_location = /app/api/migrations\n', 'api/migrations/versions/0001_x.py': revision }));
    expect(config.databases[0]!.chains[0]!.versions).toBe('api/migrations/versions');
  });

  it('finds a bare versions folder of revision files', async () => {
    const config = await discoverConfig(files({ 'db/versions/0001_x.py': revision, 'tests/versions/conftest.py': 'x = 1' }));
    expect(config.databases[0]!.chains[0]!.versions).toBe('db/versions');
  });

  it('says clearly when there is nothing to analyse', async () => {
    await expect(discoverConfig(files({ 'README.md': '# hi' }))).rejects.toThrow(/no Alembic migrations found/);
  });
});

describe('isIgnored', () => {
  it('matches tables and table.column with wildcards', () => {
    expect(isIgnored(['audit_*'], 'audit_log', 'id')).toBe(true);
    expect(isIgnored(['users.legacy_*'], 'users', 'legacy_name')).toBe(true);
    expect(isIgnored(['users.legacy_*'], 'users', 'email')).toBe(false);
    expect(isIgnored(['users.legacy_*'], 'users', null)).toBe(false);
  });
});
