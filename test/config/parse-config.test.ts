import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';

const PATH = '.github/driftbot.yml';

/** docs/contract.md §3, verbatim. */
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
  executable: null                     # ignored: the interpreter is the operator's (--python, DRIFTBOT_PYTHON)
ignore: []                             # "table" or "table.column" patterns left out of findings
fix:
  revision: auto                       # next id in the chain's own pattern (oss000000008 → oss000000009)
`;

function problem(text: string): ConfigError {
  try {
    parseConfig(text, PATH);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('reads a database installed from its models, with a per-tenant chain in its template schema', () => {
    const config = parseConfig(
      'databases:\n  - install: models\n    chains:\n      - versions: core/versions\n      - versions: tenant/versions\n        schema: dispatch_organization_default\n',
      PATH,
    );
    expect(config.databases[0]).toMatchObject({
      install: 'models',
      chains: [
        { versions: 'core/versions', schema: null },
        { versions: 'tenant/versions', schema: 'dispatch_organization_default' },
      ],
    });
  });

  it('reads the contract’s example into the exact domain object', () => {
    expect(parseConfig(CONTRACT_EXAMPLE, PATH)).toEqual({
      databases: [
        {
          name: 'core',
          chains: [
            { versions: 'api/oss/databases/postgres/migrations/core/versions', versionTable: 'alembic_version', schema: null },
            { versions: 'api/oss/databases/postgres/migrations/core_oss/versions', versionTable: 'alembic_version_oss', schema: null },
          ],
          models: ['api/oss/src/dbs/postgres/**/dbes.py'],
          install: 'migrations',
        },
      ],
      python: { paths: ['api'], stubMissingImports: true, env: {}, envFiles: [], mounts: {}, files: {}, requirements: null, version: null },
      ignore: [],
      fix: { revision: 'auto' },
      upgradeFrom: [],
      postgres: { version: null },
      source: PATH,
      assumptions: [],
      warnings: [],
    });
  });

  it('fills every default from the smallest file', () => {
    expect(parseConfig('databases:\n  - chains:\n      - versions: ./migrations/versions/\n', 'x.yml')).toEqual({
      databases: [{ name: 'default', chains: [{ versions: 'migrations/versions', versionTable: 'alembic_version', schema: null }], models: [], install: 'migrations' }],
      python: { paths: [], stubMissingImports: true, env: {}, envFiles: [], mounts: {}, files: {}, requirements: null, version: null },
      ignore: [],
      fix: { revision: 'auto' },
      upgradeFrom: [],
      postgres: { version: null },
      source: 'x.yml',
      assumptions: [],
      warnings: [],
    });
  });

  it('keeps explicit settings: stubs off, ignore patterns, a fixed revision id, upgrade_from; ignores python.executable, with a warning', () => {
    const config = parseConfig(
      [
        'databases:',
        '  - name: billing',
        '    chains: [{ versions: db/versions, version_table: billing_version }]',
        'python: { executable: /usr/bin/python3.12, stub_missing_imports: false, paths: [src/, ./, ./lib//x/] }',
        'ignore: [audit_*, users.legacy_name]',
        'fix: { revision: abc123 }',
        'upgrade_from: ["v*~2"]',
      ].join('\n'),
      PATH,
    );
    expect(config.databases[0]).toEqual({
      name: 'billing',
      chains: [{ versions: 'db/versions', versionTable: 'billing_version', schema: null }],
      models: [],
      install: 'migrations',
    });
    expect(config.python).toEqual({ paths: ['src', '.', 'lib/x'], stubMissingImports: false, env: {}, envFiles: [], mounts: {}, files: {}, requirements: null, version: null });
    // The repository never chooses what runs (a fork's config would otherwise start any program).
    expect(config.warnings).toEqual([expect.stringMatching(/^\.github\/driftbot\.yml: python\.executable is ignored: .*--python or DRIFTBOT_PYTHON/)]);
    expect(config.ignore).toEqual(['audit_*', 'users.legacy_name']);
    expect(config.fix).toEqual({ revision: 'abc123' });
    expect(config.upgradeFrom).toEqual(['v*~2']);
  });
});

describe('parseConfig errors: file, line, column, key and problem', () => {
  it('an install mode that does not exist, naming the setting and the two there are', () => {
    const error = problem('databases:\n  - chains: [{ versions: v }]\n    install: create_all\n');
    expect(error.message).toBe(
      '.github/driftbot.yml:3:14: databases[0].install: must be "migrations" (new installs run the migrations) or "models" (new installs are create_all of the models, then alembic stamp head), not "create_all"',
    );
  });

  it('python.files: a path that could climb out of the checkout, or contents too large to be a key', () => {
    for (const path of ['../outside.json', '/etc/passwd', 'api/../../x', 'a//b', './x', 'api/key file']) {
      const error = problem(`databases:\n  - chains: [{ versions: v }]\npython:\n  files:\n    "${path}": "{}"\n`);
      expect(error.message).toContain(`python.files.${path}: give a path relative to the repository root, such as server/.jwks.json`);
    }
    const large = problem(`databases:\n  - chains: [{ versions: v }]\npython:\n  files:\n    key.json: "${'x'.repeat(64 * 1024 + 1)}"\n`);
    expect(large.message).toContain('python.files.key.json: at most 64 KiB');
  });

  it('a chain schema that is not one identifier (a list, a quote, an option)', () => {
    for (const schema of ['"tenant, public"', "'a\"b'", '"-c x"', '"1tenant"']) {
      const error = problem(`databases:\n  - chains:\n      - versions: v\n        schema: ${schema}\n`);
      expect(error.message).toMatch(
        /^\.github\/driftbot\.yml:4:17: databases\[0\]\.chains\[0\]\.schema: give one schema name \(letters, digits and "_", not starting with a digit, at most 63\)/,
      );
    }
  });

  it('an unknown key, pointed at by its name', () => {
    const text = ['databases:', '  - name: core', '    chains:', '      - versions: v', '        version_tabel: x', ''].join('\n');
    const error = problem(text);
    expect(error.message).toBe('.github/driftbot.yml:5:9: databases[0].chains[0].version_tabel: unknown key');
    expect({ path: error.path, line: error.line, column: error.column, problem: error.problem }).toEqual({
      path: PATH,
      line: 5,
      column: 9,
      problem: 'databases[0].chains[0].version_tabel: unknown key',
    });
  });

  it('an unknown top-level section', () => {
    expect(problem('databases:\n  - chains: [{ versions: v }]\nmodels: [x]\n').message).toBe('.github/driftbot.yml:3:1: models: unknown key');
  });

  it('a wrong type, pointed at by its value', () => {
    const error = problem('databases:\n  - chains:\n      - versions: v\npython:\n  stub_missing_imports: "yes"\n');
    expect([error.line, error.column]).toEqual([5, 25]);
    expect(error.problem).toBe('python.stub_missing_imports: expected boolean, received string');
  });

  it('a list where a text belongs', () => {
    const error = problem('databases:\n  - chains:\n      - versions: [a, b]\n');
    expect(error.message).toBe('.github/driftbot.yml:3:19: databases[0].chains[0].versions: expected string, received array');
  });

  it('a missing required key, pointed at by the map that lacks it', () => {
    const error = problem('databases:\n  - name: core\n    models: [m.py]\n');
    expect(error.message).toBe('.github/driftbot.yml:2:5: databases[0].chains: missing (required)');
  });

  it('a missing databases section', () => {
    expect(problem('python:\n  paths: [src]\n').message).toBe('.github/driftbot.yml:1:1: databases: missing (required)');
  });

  it('an empty list of chains', () => {
    expect(problem('databases:\n  - chains: []\n').message).toBe('.github/driftbot.yml:2:13: databases[0].chains: list at least one chain');
  });

  it('a database name with characters that cannot name a database', () => {
    expect(problem('databases:\n  - name: "core db"\n    chains: [{ versions: v }]\n').message).toBe(
      '.github/driftbot.yml:2:11: databases[0].name: use letters, digits, "_" and "-"',
    );
  });

  it.each(['../../etc/x', 'a-b', 'x"\nimport os', ''])('a fix.revision that is not a plain id (%j)', (revision) => {
    // The id becomes the fix's file name and a string in its Python source.
    expect(problem(`databases:\n  - chains: [{ versions: v }]\nfix:\n  revision: ${JSON.stringify(revision)}\n`).message).toBe(
      '.github/driftbot.yml:4:13: fix.revision: use "auto", or an id of letters, digits and "_" only',
    );
  });

  it('two databases with one name', () => {
    const text = 'databases:\n  - chains: [{ versions: a }]\n  - chains: [{ versions: b }]\n';
    expect(problem(text).message).toBe('.github/driftbot.yml:3:5: databases[1].name: another database is already named "default"');
  });

  it('a file that is not a map at all', () => {
    expect(problem('just some text\n').message).toBe('.github/driftbot.yml:1:1: (the whole file): expected object, received string');
  });

  it('an empty file', () => {
    const error = problem('');
    expect(error.message).toBe('.github/driftbot.yml: databases: missing (required)');
    expect(error.line).toBeNull();
  });

  it('a YAML syntax error, at the yaml library’s position', () => {
    const error = problem('databases:\n  - chains: [{ versions: v }\n');
    expect(error.message).toMatch(/^\.github\/driftbot\.yml:3:1: YAML syntax error: /);
    expect([error.line, error.column]).toEqual([3, 1]);
  });

  it('a bad indentation', () => {
    const error = problem('databases:\n  - chains:\n    - versions: v\n   name: x\n');
    expect(error.problem).toMatch(/^YAML syntax error: /);
    expect(error.line).toBe(4);
  });

  it('a key given twice', () => {
    const error = problem('databases:\n  - chains: [{ versions: v }]\nignore: []\nignore: [x]\n');
    expect(error.message).toMatch(/^\.github\/driftbot\.yml:4:1: YAML syntax error: Map keys must be unique/);
  });

  it('an alias bomb is refused, not expanded', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      lines.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    const error = problem(lines.join('\n'));
    expect(error.problem).toMatch(/^YAML error: .*alias/i);
  });
});
