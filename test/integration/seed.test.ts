/**
 * The seed case (../shared/seed): oss000000008 edited in place after it was applied.
 * Real git, real Alembic, real Postgres, end to end.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { createSeedRepository, VERSIONS } from '../../demo/seed-repo.js';
import type { Report } from '../../src/report/report.js';
import { check, differences } from '../support/analysis.js';

describe('the seed case: a migration edited in place', () => {
  let report: Report;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftbot-test-seed-'));
    const seed = await createSeedRepository(dir);
    report = await check(seed.repo, seed.base, seed.head);
    return () => rm(dir, { recursive: true, force: true });
  });

  it('finds exactly the three differences of session_streams', () => {
    expect(report.errors).toEqual([]);
    expect(report.status).toBe('drift');
    expect(differences(report)).toEqual({
      'session_streams.tags': 'missing-on-upgraded',
      'session_streams.meta': 'missing-on-upgraded',
      'session_streams.status': 'differs-on-upgraded',
    });
    const byName = Object.fromEntries(report.findings.map((f) => [f.name, f]));
    expect(byName.tags).toMatchObject({ database: 'core', object: 'column', table: 'session_streams', fresh: 'jsonb', upgraded: null, models: 'jsonb', breaksCode: true });
    expect(byName.meta).toMatchObject({ fresh: 'json', upgraded: null, models: 'json', breaksCode: true });
    expect(byName.status).toMatchObject({ fresh: 'character varying', upgraded: 'jsonb', models: 'character varying', breaksCode: false });
  });

  it('names the edited revision, from git', () => {
    expect(report.editedMigrations).toEqual([
      expect.objectContaining({ database: 'core', revision: 'oss000000008', change: 'modified', path: `${VERSIONS}/oss000000008_add_session_streams.py` }),
    ]);
  });

  it('ties each finding to the line of oss000000008 and to the model code that declares it', () => {
    const tags = report.findings.find((f) => f.name === 'tags')!;
    expect(tags.cause).toEqual({ revision: 'oss000000008', path: `${VERSIONS}/oss000000008_add_session_streams.py`, line: 23, kind: 'edited-in-place' });
    expect(tags.references).toEqual([{ path: 'api/oss/src/dbs/postgres/shared/dbas.py', line: 15, symbol: 'TagsDBA' }]);
    const meta = report.findings.find((f) => f.name === 'meta')!;
    expect(meta.references).toEqual([{ path: 'api/oss/src/dbs/postgres/shared/dbas.py', line: 20, symbol: 'MetaDBA' }]);
  });

  it('names the code that breaks on upgraded databases', () => {
    expect(report.breakingCode.map((b) => [b.path, b.line, b.model, b.error])).toEqual([
      ['api/oss/src/dbs/postgres/sessions/streams/dao.py', 12, 'SessionStreamDBE', 'column session_streams.tags does not exist'],
      ['api/oss/src/dbs/postgres/sessions/streams/dao.py', 16, 'SessionStreamDBE', 'column session_streams.tags does not exist'],
    ]);
  });

  it('proposes oss000000009, idempotent, and verifies it makes every build match', () => {
    expect(report.fix).toMatchObject({
      revision: 'oss000000009',
      downRevision: 'oss000000008',
      path: `${VERSIONS}/oss000000009_reconcile_schema_drift.py`,
      verified: true,
      remainingDifferences: 0,
    });
    const sql = report.fix!.statements.join('\n');
    expect(sql).toMatch(/ADD COLUMN IF NOT EXISTS tags jsonb/i);
    expect(sql).toMatch(/ADD COLUMN IF NOT EXISTS meta json/i);
    expect(sql).toMatch(/#>> '\{\}'/);
    expect(report.fix!.content).toContain('revision = "oss000000009"');
    expect(report.fix!.content).toContain('down_revision = "oss000000008"');
  });

  it('carries a schema diff of upgraded against fresh', () => {
    const diff = report.schemaDiffs.find((d) => d.database === 'core')!.diff;
    expect(diff).toMatch(/^\+.*tags jsonb/m);
    expect(diff).toMatch(/^-.*status jsonb/m);
  });
});
