/**
 * Reports built by hand, for the renderers' tests and anyone else's: the seed case
 * (/work/shared/examples/seed-comment.md), a clean one, an error, a failed upgrade,
 * two databases, and a model changed without its migration. Each builder takes
 * overrides, so a test states only what it is about.
 */
import type { BreakingCode, DatabaseSummary, EditedMigration, Finding, Fix, MigrationFailure, Report } from '../../src/report/report.js';

export const VERSIONS = 'api/oss/databases/postgres/migrations/core/versions';
export const EDITED_PATH = `${VERSIONS}/oss000000008_add_session_streams.py`;
export const FIX_PATH = `${VERSIONS}/oss000000009_reconcile_session_streams.py`;
export const DBAS_PATH = 'api/oss/src/dbs/postgres/shared/dbas.py';
export const DAO_PATH = 'api/oss/src/dbs/postgres/sessions/streams/dao.py';
export const BASE = { ref: 'main', sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' };
export const HEAD = { ref: 'feature', sha: 'e4f5a6b7c8d90718293a4b5c6d7e8f9012345678' };

/** The tags column of the seed: on fresh installs and in the models, missing on upgraded databases. */
export function finding(over: Partial<Finding> = {}): Finding {
  return {
    database: 'core',
    object: 'column',
    table: 'session_streams',
    name: 'tags',
    fresh: 'jsonb',
    upgraded: null,
    models: 'jsonb',
    cause: { revision: 'oss000000008', path: EDITED_PATH, line: 34, kind: 'edited-in-place' },
    references: [{ path: DBAS_PATH, line: 190, symbol: 'TagsDBA' }],
    difference: 'missing-on-upgraded',
    breaksCode: true,
    startingPoints: ['main'],
    ...over,
  };
}

export function editedMigration(over: Partial<EditedMigration> = {}): EditedMigration {
  return {
    database: 'core',
    revision: 'oss000000008',
    path: EDITED_PATH,
    change: 'modified',
    changes: ['modified'],
    basePath: null,
    baseDownRevision: null,
    headDownRevision: null,
    chain: VERSIONS,
    ...over,
  };
}

export function breakingCode(over: Partial<BreakingCode> = {}): BreakingCode {
  return {
    database: 'core',
    path: DAO_PATH,
    line: 58,
    code: 'query = select(SessionStreamDBE).filter_by(project_id=project_id)',
    model: 'SessionStreamDBE',
    table: 'session_streams',
    columns: ['tags', 'meta'],
    error: 'column session_streams.tags does not exist',
    ...over,
  };
}

export const SEED_FIX_CONTENT = `"""reconcile session_streams with the edited oss000000008

Revision ID: oss000000009
Revises: oss000000008
"""
from alembic import op

revision = "oss000000009"
down_revision = "oss000000008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE session_streams ADD COLUMN IF NOT EXISTS tags JSONB")
    op.execute("ALTER TABLE session_streams ADD COLUMN IF NOT EXISTS meta JSON")
    # status is jsonb on upgraded databases and varchar on fresh ones: convert only
    # where it is still jsonb, unwrapping JSON strings. Review before merging.
    op.execute(
        """
        DO $$
        BEGIN
          IF (SELECT atttypid::regtype::text FROM pg_attribute
              WHERE attrelid = 'session_streams'::regclass AND attname = 'status') = 'jsonb' THEN
            ALTER TABLE session_streams ALTER COLUMN status TYPE VARCHAR USING status #>> '{}';
          END IF;
        END $$;
        """
    )


def downgrade() -> None:
    # Nothing to undo: these columns belong to oss000000008 on fresh installs.
    pass
`;

export function fix(over: Partial<Fix> = {}): Fix {
  const statements = [
    'ALTER TABLE session_streams ADD COLUMN IF NOT EXISTS tags JSONB',
    'ALTER TABLE session_streams ADD COLUMN IF NOT EXISTS meta JSON',
    "DO $$ BEGIN IF … THEN ALTER TABLE session_streams ALTER COLUMN status TYPE VARCHAR USING status #>> '{}'; END IF; END $$",
  ];
  return {
    revision: 'oss000000009',
    downRevision: 'oss000000008',
    path: FIX_PATH,
    content: SEED_FIX_CONTENT,
    statements,
    verified: true,
    remainingDifferences: 0,
    database: 'core',
    chain: VERSIONS,
    steps: statements.map((sql, i) => ({ sql, comments: [], disabled: false, entryKey: `column:public.session_streams.${['tags', 'meta', 'status'][i]}` })),
    verificationError: null,
    ...over,
  };
}

export function databaseSummary(over: Partial<DatabaseSummary> = {}): DatabaseSummary {
  return {
    name: 'core',
    chains: [
      { versions: VERSIONS, versionTable: 'alembic_version', headRevisions: ['oss000000008'] },
      { versions: 'api/oss/databases/postgres/migrations/core_oss/versions', versionTable: 'alembic_version_oss', headRevisions: ['oss_x_0003'] },
    ],
    clean: false,
    ...over,
  };
}

/** The seed case: oss000000008 edited in place; tags and meta missing on upgraded databases, status retyped; a verified fix. */
export function seedReport(over: Partial<Report> = {}): Report {
  const theFix = fix();
  return {
    schemaVersion: 1,
    status: 'drift',
    base: BASE,
    head: HEAD,
    editedMigrations: [editedMigration()],
    findings: [
      finding(),
      finding({
        name: 'meta',
        fresh: 'json',
        models: 'json',
        cause: { revision: 'oss000000008', path: EDITED_PATH, line: 39, kind: 'edited-in-place' },
        references: [{ path: DBAS_PATH, line: 199, symbol: 'MetaDBA' }],
      }),
      finding({
        name: 'status',
        fresh: 'character varying',
        upgraded: 'jsonb',
        models: 'character varying',
        cause: { revision: 'oss000000008', path: EDITED_PATH, line: 43, kind: 'edited-in-place' },
        difference: 'differs-on-upgraded',
        breaksCode: false,
        references: [],
      }),
    ],
    upgradeFailure: null,
    fix: theFix,
    errors: [],
    timings: { totalMs: 4100, phases: [{ name: 'builds', ms: 3500 }] },
    databases: [databaseSummary()],
    fixes: [theFix],
    hazards: [],
    breakingCode: [breakingCode(), breakingCode({ line: 76, code: 'stmt = select(SessionStreamDBE).where(SessionStreamDBE.id == stream_id)' })],
    standIns: [],
    warnings: [],
    schemaDiffs: [
      {
        database: 'core',
        diff: [
          '===================================================================',
          '--- upgraded',
          '+++ fresh',
          '@@ -1,6 +1,8 @@',
          ' TABLE session_streams',
          '   id uuid not null',
          '   flags jsonb',
          '-  status jsonb',
          '+  tags jsonb',
          '+  meta json',
          '+  status character varying',
          '',
        ].join('\n'),
      },
    ],
    environment: { postgresVersion: '17.10', databasesBuilt: 3, server: 'embedded', runId: 'abcd1234', networkIsolated: true, sandboxed: true },
    scope: 'full',
    startingPoints: [BASE],
    ...over,
  };
}

/** Fresh, upgraded and models agree. */
export function cleanReport(over: Partial<Report> = {}): Report {
  return seedReport({
    status: 'clean',
    editedMigrations: [],
    findings: [],
    fix: null,
    fixes: [],
    breakingCode: [],
    schemaDiffs: [{ database: 'core', diff: '' }],
    databases: [databaseSummary({ clean: true })],
    ...over,
  });
}

/** Head's migrations fail on an empty database: nothing could be compared. */
export function errorReport(over: Partial<Report> = {}): Report {
  return cleanReport({
    status: 'error',
    databases: [databaseSummary({ clean: false })],
    errors: [
      {
        message: `head's migrations fail on an empty database: relation "sessions" does not exist\nLINE 1: ALTER TABLE sessions ADD COLUMN flags jsonb\n                    ^`,
        path: `${VERSIONS}/oss000000007_session_flags.py`,
        revision: 'oss000000007',
      },
    ],
    ...over,
  });
}

export function upgradeFailure(over: Partial<MigrationFailure> = {}): MigrationFailure {
  return {
    revision: 'oss000000009',
    path: `${VERSIONS}/oss000000009_unique_slugs.py`,
    error: 'could not create unique index "ix_projects_slug"\nDETAIL:  Key (slug)=(demo) is duplicated.',
    line: 17,
    database: 'core',
    build: 'upgraded',
    startingPoint: 'main',
    ...over,
  };
}

/** Base's databases cannot be upgraded to head: a new unique index meets duplicates. */
export function upgradeFailureReport(over: Partial<Report> = {}): Report {
  return cleanReport({ status: 'drift', upgradeFailure: upgradeFailure(), databases: [databaseSummary({ clean: false })], ...over });
}

/** `core` drifts (the seed); `analytics` gets a model column without a migration. */
export function twoDatabaseReport(over: Partial<Report> = {}): Report {
  const seed = seedReport();
  const analyticsFix = fix({
    revision: 'an0003',
    downRevision: 'an0002',
    path: 'analytics/migrations/versions/an0003_reconcile_schema_drift.py',
    content: 'revision = "an0003"\ndown_revision = "an0002"\n\n\ndef upgrade() -> None:\n    op.execute("ALTER TABLE events ADD COLUMN IF NOT EXISTS source text")\n',
    statements: ['ALTER TABLE events ADD COLUMN IF NOT EXISTS source text'],
    database: 'analytics',
    chain: 'analytics/migrations/versions',
    steps: [{ sql: 'ALTER TABLE events ADD COLUMN IF NOT EXISTS source text', comments: [], disabled: false, entryKey: 'column:public.events.source' }],
  });
  return seedReport({
    findings: [...seed.findings, modelOnlyFinding({ database: 'analytics' })],
    databases: [
      databaseSummary(),
      { name: 'analytics', chains: [{ versions: 'analytics/migrations/versions', versionTable: 'alembic_version', headRevisions: ['an0002'] }], clean: false },
    ],
    fixes: [seed.fix!, analyticsFix],
    schemaDiffs: [...seed.schemaDiffs, { database: 'analytics', diff: '' }],
    ...over,
  });
}

/** `events.source` in the models, created by no migration: fresh and upgraded agree without it. */
export function modelOnlyFinding(over: Partial<Finding> = {}): Finding {
  return finding({
    database: 'core',
    table: 'events',
    name: 'source',
    fresh: null,
    upgraded: null,
    models: 'text',
    cause: null,
    references: [{ path: 'analytics/models/events.py', line: 12, symbol: 'EventDBE' }],
    difference: 'missing-in-migrations',
    breaksCode: true,
    ...over,
  });
}

/** A model changed without its migration: no edited revision, no schema diff between installs. */
export function modelOnlyReport(over: Partial<Report> = {}): Report {
  const theFix = fix({
    revision: 'oss000000009',
    path: `${VERSIONS}/oss000000009_reconcile_schema_drift.py`,
    content: 'revision = "oss000000009"\n\n\ndef upgrade() -> None:\n    op.execute("ALTER TABLE events ADD COLUMN IF NOT EXISTS source text")\n',
    statements: ['ALTER TABLE events ADD COLUMN IF NOT EXISTS source text'],
    steps: [{ sql: 'ALTER TABLE events ADD COLUMN IF NOT EXISTS source text', comments: [], disabled: false, entryKey: 'column:public.events.source' }],
  });
  return seedReport({
    editedMigrations: [],
    findings: [modelOnlyFinding()],
    breakingCode: [],
    fix: theFix,
    fixes: [theFix],
    schemaDiffs: [{ database: 'core', diff: '' }],
    ...over,
  });
}
