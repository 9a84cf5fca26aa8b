/**
 * The proof for real repositories: a generated monorepo of two databases, four chains
 * and 150 revisions. Clean, it is clean; with one drift injected, exactly that drift is
 * reported — no false positive from the other 149 revisions — with a verified fix in
 * the right chain and that chain's id style.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { GitFixture } from '../../demo/git-fixture.js';
import type { Report } from '../../src/report/report.js';
import { check, newRepo } from '../support/analysis.js';
import { generateMonorepo, modelFiles, monorepoConfig, revisionFile, type Monorepo } from '../../demo/monorepo.js';

let monorepo: Monorepo;
let repo: GitFixture;

beforeAll(async () => {
  monorepo = generateMonorepo();
  repo = await newRepo('monorepo');
  await repo.commit('the monorepo', monorepo.files);
});

async function inject(name: string, files: Record<string, string | null>): Promise<Report> {
  await repo.checkout('main');
  await repo.branch(name);
  await repo.commit(name, files);
  await repo.checkout('main');
  return check(repo, 'main', name);
}

function fileOf(chainIndex: number, revision: string): [string, string] {
  const chain = monorepo.chains[chainIndex]!;
  const path = Object.keys(chain.files).find((p) => p.includes(`/${revision}_`))!;
  return [path, chain.files[path]!];
}

const describeFindings = (report: Report) => report.findings.map((f) => `${f.database} ${f.object} ${f.table ? `${f.table}.` : ''}${f.name} ${f.difference}`);

describe('a generated monorepo: 2 databases, 4 chains, 150 revisions', () => {
  it('has the size it claims', () => {
    expect(monorepo.chains.reduce((n, c) => n + c.ids.length, 0)).toBe(150);
    expect(Object.keys(monorepo.files).filter((p) => p.endsWith('/dbes.py')).length).toBeGreaterThanOrEqual(20);
  });

  it('nothing injected: clean, no false positive', async () => {
    await repo.checkout('main');
    await repo.branch('nothing');
    await repo.commit('nothing', { 'README.md': 'unrelated\n' });
    await repo.checkout('main');
    const report = await check(repo, 'main', 'nothing');
    expect(report.errors).toEqual([]);
    expect(describeFindings(report)).toEqual([]);
    expect(report.status).toBe('clean');
    expect(report.databases.map((d) => [d.name, d.chains.length, d.clean])).toEqual([
      ['core', 2, true],
      ['tracing', 2, true],
    ]);
    expect(report.standIns.map((s) => s.module)).toContain('pydantic_settings');
  });

  it('an in-place edit in the second chain (seed-like)', async () => {
    const [path, content] = fileOf(1, 'oss000000005');
    const report = await inject('edit-oss', {
      [path]: content.replace('"oss_03",\n', '"oss_03",\n    sa.Column("tags", postgresql.JSONB(), nullable=True),\n'),
      ...modelFiles('core', [...monorepo.specs.core, ...monorepo.specs.oss], { oss_03: 'tags = sa.Column(postgresql.JSONB(), nullable=True)' }),
    });
    expect(report.errors).toEqual([]);
    expect(describeFindings(report)).toEqual(['core column oss_03.tags missing-on-upgraded']);
    expect(report.findings[0]).toMatchObject({ breaksCode: true, cause: { revision: 'oss000000005', kind: 'edited-in-place' } });
    expect(report.fix).toMatchObject({ database: 'core', chain: monorepo.chains[1]!.versions, revision: 'oss000000051', downRevision: 'oss000000050', verified: true });
  });

  it('an in-place edit in the legacy chain', async () => {
    const revision = monorepo.chains[0]!.ids[6]!;
    const [path, content] = fileOf(0, revision);
    expect(content).toContain('"legacy_05"');
    const report = await inject('edit-legacy', {
      [path]: content.replace('"legacy_05",\n', '"legacy_05",\n    sa.Column("archived", sa.Boolean(), server_default=sa.false(), nullable=False),\n'),
      ...modelFiles('core', [...monorepo.specs.core, ...monorepo.specs.oss], { legacy_05: 'archived = sa.Column(sa.Boolean(), server_default=sa.false(), nullable=False)' }),
    });
    expect(report.errors).toEqual([]);
    expect(describeFindings(report)).toEqual(['core column legacy_05.archived missing-on-upgraded']);
    expect(report.fix).toMatchObject({ database: 'core', chain: monorepo.chains[0]!.versions, downRevision: monorepo.chains[0]!.ids.at(-1), verified: true });
    expect(report.fix!.revision).toMatch(/^[0-9a-f]{12}$/);
    expect(monorepo.chains[0]!.ids).not.toContain(report.fix!.revision);
  });

  it('a model change with no migration', async () => {
    const report = await inject(
      'model-only',
      modelFiles('tracing', [...monorepo.specs.tracing, ...monorepo.specs.tracingOss], { traces_02: 'priority = sa.Column(sa.Integer(), nullable=True)' }),
    );
    expect(report.errors).toEqual([]);
    expect(describeFindings(report)).toEqual(['tracing column traces_02.priority missing-in-migrations']);
    expect(report.fix).toMatchObject({ database: 'tracing', chain: monorepo.chains[3]!.versions, revision: 'tr000000031', verified: true });
  });

  it('a migration inserted into history', async () => {
    const [path, content] = fileOf(2, '0003');
    const report = await inject('inserted', {
      'api/oss/databases/postgres/migrations/tracing/versions/0031_span_audit.py': revisionFile(
        '0031',
        '0002',
        'span audit',
        'op.create_table("span_audit", sa.Column("id", sa.Integer(), primary_key=True))',
      ),
      [path]: content.replace('down_revision = "0002"', 'down_revision = "0031"'),
    });
    expect(report.errors).toEqual([]);
    expect(describeFindings(report)).toEqual(['tracing table span_audit missing-on-upgraded']);
    expect(report.findings[0]!.cause).toMatchObject({ revision: '0031', kind: 'inserted-into-history' });
    expect(report.editedMigrations).toEqual([expect.objectContaining({ revision: '0003', change: 'reparented' })]);
    expect(report.fix).toMatchObject({ database: 'tracing', chain: monorepo.chains[2]!.versions, revision: '0032', verified: true });
  });

  it('a renamed version table: existing databases replay the chain, and the upgrade fails', async () => {
    const chains = monorepo.chains.map((c, i) => (i === 3 ? { ...c, versionTable: 'tracing_oss_versions' } : c));
    const report = await inject('version-table', { '.github/driftbot.yml': monorepoConfig(chains) });
    expect(report.errors).toEqual([]);
    expect(describeFindings(report)).toEqual([]);
    expect(report.upgradeFailure).toMatchObject({ database: 'tracing', revision: 'tr000000002', error: 'relation "traces_00" already exists' });
    expect(report.status).toBe('drift');
  });
});
