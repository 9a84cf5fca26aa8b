/** Reports built by hand, shaped like the seed case (../shared/examples/seed-comment.md). */
import type { Finding, Fix, Report } from '../../src/analysis/report.js';

const V = 'api/oss/databases/postgres/migrations/core/versions';

export function finding(over: Partial<Finding> = {}): Finding {
  return {
    database: 'core',
    object: 'column',
    table: 'session_streams',
    name: 'tags',
    fresh: 'jsonb',
    upgraded: null,
    models: 'jsonb',
    cause: { revision: 'oss000000008', path: `${V}/oss000000008_add_session_streams.py`, line: 34, kind: 'edited-in-place' },
    references: [{ path: 'api/oss/src/dbs/postgres/shared/dbas.py', line: 190, symbol: 'TagsDBA' }],
    difference: 'missing-on-upgraded',
    breaksCode: true,
    startingPoints: ['main'],
    ...over,
  };
}

export function fix(over: Partial<Fix> = {}): Fix {
  return {
    revision: 'oss000000009',
    downRevision: 'oss000000008',
    path: `${V}/oss000000009_reconcile_schema_drift.py`,
    content: '"""reconcile"""\nfrom alembic import op\n\nrevision = "oss000000009"\n\n\ndef upgrade() -> None:\n    op.execute("ALTER TABLE session_streams ADD COLUMN IF NOT EXISTS tags jsonb")\n',
    statements: ['ALTER TABLE session_streams ADD COLUMN IF NOT EXISTS tags jsonb'],
    verified: true,
    remainingDifferences: 0,
    database: 'core',
    chain: V,
    steps: [{ sql: 'ALTER TABLE session_streams ADD COLUMN IF NOT EXISTS tags jsonb', comments: [], disabled: false, entryKey: 'column:public.session_streams.tags' }],
    verificationError: null,
    ...over,
  };
}

export function seedReport(over: Partial<Report> = {}): Report {
  const theFix = fix();
  return {
    schemaVersion: 1,
    status: 'drift',
    base: { ref: 'main', sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' },
    head: { ref: 'feature', sha: 'e4f5a6b7c8d90718293a4b5c6d7e8f9012345678' },
    editedMigrations: [
      { database: 'core', revision: 'oss000000008', path: `${V}/oss000000008_add_session_streams.py`, change: 'modified', changes: ['modified'], basePath: null, baseDownRevision: null, headDownRevision: null, chain: V },
    ],
    findings: [
      finding(),
      finding({ name: 'meta', fresh: 'json', models: 'json', references: [{ path: 'api/oss/src/dbs/postgres/shared/dbas.py', line: 199, symbol: 'MetaDBA' }] }),
      finding({ name: 'status', fresh: 'character varying', upgraded: 'jsonb', models: 'character varying', difference: 'differs-on-upgraded', breaksCode: false, references: [] }),
    ],
    upgradeFailure: null,
    fix: theFix,
    errors: [],
    timings: { totalMs: 4100, phases: [] },
    databases: [{ name: 'core', chains: [{ versions: V, versionTable: 'alembic_version', headRevisions: ['oss000000008'] }], clean: false }],
    fixes: [theFix],
    breakingCode: [
      { database: 'core', path: 'api/oss/src/dbs/postgres/sessions/streams/dao.py', line: 58, code: 'query = select(SessionStreamDBE)', model: 'SessionStreamDBE', table: 'session_streams', columns: ['tags', 'meta'], error: 'column session_streams.tags does not exist' },
    ],
    standIns: [],
    warnings: [],
    schemaDiffs: [{ database: 'core', diff: '--- upgraded\n+++ fresh\n@@ -1,3 +1,4 @@\n TABLE session_streams\n-  status jsonb\n+  status character varying\n+  tags jsonb\n' }],
    environment: { postgresVersion: '17.10', databasesBuilt: 3, server: 'embedded', runId: 'abcd1234', networkIsolated: true, sandboxed: true },
    scope: 'full',
    startingPoints: [{ ref: 'main', sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' }],
    ...over,
  };
}
