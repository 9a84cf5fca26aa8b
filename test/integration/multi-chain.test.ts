/**
 * Several chains into one database (each with its own version table, the second
 * referencing the first's tables) and several databases in one repository: each is
 * analysed and reported on its own, the fix joins the chain that holds the cause, in
 * that chain's own id style.
 */
import { describe, expect, it } from 'vitest';
import { check, newRepo } from '../support/analysis.js';
import { revision } from '../support/app-repo.js';

const CONFIG = `databases:
  - name: core
    chains:
      - versions: db/core/legacy/versions
      - versions: db/core/oss/versions
        version_table: alembic_version_oss
  - name: tracing
    chains:
      - versions: db/tracing/versions
        version_table: alembic_version_tracing
`;

const legacy = {
  'db/core/legacy/versions/a1b2c3d4e5f6_users.py': revision('a1b2c3d4e5f6', null, 'users', 'op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))'),
  'db/core/legacy/versions/0f1e2d3c4b5a_orgs.py': revision('0f1e2d3c4b5a', 'a1b2c3d4e5f6', 'orgs', 'op.create_table("orgs", sa.Column("id", sa.Integer(), primary_key=True))'),
};
const oss = (projectsColumns: string) => ({
  'db/core/oss/versions/oss000000001_projects.py': revision(
    'oss000000001',
    null,
    'projects',
    `op.create_table(
    "projects",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id")),${projectsColumns}
)`,
  ),
});
const tracing = {
  'db/tracing/versions/0001_spans.py': revision('0001', null, 'spans', 'op.create_table("spans", sa.Column("id", sa.BigInteger(), primary_key=True))'),
};

describe('several chains and databases', () => {
  it('reports an in-place edit in the second chain of one database, and nothing in the others', async () => {
    const repo = await newRepo('multi');
    await repo.commit('base', { '.github/driftbot.yml': CONFIG, ...legacy, ...oss(''), ...tracing });
    await repo.branch('feature');
    await repo.commit('edit oss000000001 in place', oss('\n    sa.Column("archived", sa.Boolean(), server_default=sa.false(), nullable=False),'));
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.databases.map((d) => [d.name, d.clean, d.chains.map((c) => c.versionTable)])).toEqual([
      ['core', false, ['alembic_version', 'alembic_version_oss']],
      ['tracing', true, ['alembic_version_tracing']],
    ]);
    expect(report.findings.map((f) => [f.database, `${f.table}.${f.name}`, f.difference, f.cause?.revision])).toEqual([
      ['core', 'projects.archived', 'missing-on-upgraded', 'oss000000001'],
    ]);
    expect(report.editedMigrations).toEqual([expect.objectContaining({ database: 'core', revision: 'oss000000001', chain: 'db/core/oss/versions' })]);
    expect(report.fixes).toEqual([
      expect.objectContaining({
        database: 'core',
        chain: 'db/core/oss/versions',
        revision: 'oss000000002',
        downRevision: 'oss000000001',
        path: 'db/core/oss/versions/oss000000002_reconcile_schema_drift.py',
        verified: true,
      }),
    ]);
    expect(report.fix!.statements.join('\n')).toContain('ADD COLUMN IF NOT EXISTS archived boolean DEFAULT false NOT NULL');
  });

  it('a renamed version table shows up as the drift it causes', async () => {
    const repo = await newRepo('version-table');
    await repo.commit('base', { '.github/driftbot.yml': CONFIG, ...legacy, ...oss(''), ...tracing });
    await repo.branch('feature');
    await repo.commit('rename the tracing version table', { '.github/driftbot.yml': CONFIG.replace('alembic_version_tracing', 'tracing_versions') });
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    // Existing databases track tracing's revisions in the old table: Alembic replays the
    // chain from the start there, and its first revision fails.
    expect(report.status).toBe('drift');
    expect(report.upgradeFailure).toEqual({
      database: 'tracing',
      build: 'upgraded',
      startingPoint: 'main',
      revision: '0001',
      path: 'db/tracing/versions/0001_spans.py',
      line: 16,
      error: 'relation "spans" already exists',
    });
    expect(report.findings.filter((f) => f.database === 'core')).toEqual([]);
  });
});
