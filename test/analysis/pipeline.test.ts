/**
 * The pipeline's stages as a whole, on real repositories: a deadline or a cancellation
 * stops every stage (not just a runner that happens to exist), a failing build is
 * reported beside what the others still show, and what base already had is not the
 * pull request's finding.
 */
import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/analysis/analyse.js';
import { resolveCommit } from '../../src/workspace/git.js';
import type { GitFixture } from '../../demo/git-fixture.js';
import { check, newRepo, testServer } from '../support/analysis.js';
import { ACCOUNT_MODEL, ACCOUNTS_0001, SCAFFOLD, models, revision, versionFile } from '../support/app-repo.js';

async function refs(repo: GitFixture) {
  return { base: { ref: 'main', sha: await resolveCommit(repo.dir, 'main') }, head: { ref: 'feature', sha: await resolveCommit(repo.dir, 'feature') } };
}

async function editedInPlace(name: string, extraHead: Record<string, string> = {}): Promise<GitFixture> {
  const repo = await newRepo(name);
  await repo.commit('base', { ...SCAFFOLD, ...models(ACCOUNT_MODEL), [versionFile('0001_create_accounts')]: ACCOUNTS_0001 });
  await repo.branch('feature');
  await repo.commit('edit 0001 in place', {
    [versionFile('0001_create_accounts')]: ACCOUNTS_0001.replace(
      'sa.Column("email", sa.String(length=200), nullable=False),',
      'sa.Column("email", sa.String(length=200), nullable=False),\n    sa.Column("nickname", sa.Text()),',
    ),
    ...extraHead,
  });
  return repo;
}

describe('the deadline and cancellation reach every stage', () => {
  it('a deadline that passes before the runner exists stops the analysis there: nothing is built', async () => {
    const repo = await editedInPlace('early-deadline');
    const report = await analyse({ repo: repo.dir, ...(await refs(repo)), server: testServer(), timeoutMs: 1 });
    expect(report.status).toBe('error');
    expect(report.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('took longer than its limit') })]);
    expect(report.environment.databasesBuilt).toBe(0);
    expect(report.timings.phases.map((p) => p.name)).not.toContain('build fresh');
  });

  it('a cancelled analysis stops building and reports no findings of its own', async () => {
    const repo = await editedInPlace('cancelled');
    const controller = new AbortController();
    controller.abort();
    const report = await analyse({ repo: repo.dir, ...(await refs(repo)), server: testServer(), signal: controller.signal });
    expect(report.environment.databasesBuilt).toBe(0);
    expect(report.findings).toEqual([]);
  });
});

describe('degrade, never drop', () => {
  it('when the models cannot be imported, the installs are still compared and the fix still proposed, with the models error beside them', async () => {
    const broken = models(`${ACCOUNT_MODEL}\nraise RuntimeError("settings module missing: set APP_ENV")\n`);
    const repo = await editedInPlace('models-broken', broken);
    const report = await check(repo);
    expect(report.status).toBe('drift');
    expect(report.findings).toEqual([expect.objectContaining({ table: 'accounts', name: 'nickname', difference: 'missing-on-upgraded' })]);
    expect(report.fix?.verified).toBe(true);
    expect(report.errors).toEqual([expect.objectContaining({ path: 'app/models.py', message: expect.stringContaining('settings module missing: set APP_ENV') })]);
  });

  it('a revision-graph problem base already had is not this branch’s finding', async () => {
    const repo = await newRepo('graph-on-base');
    const twoHeads = {
      ...SCAFFOLD,
      [versionFile('0001_create_accounts')]: ACCOUNTS_0001,
      [versionFile('0002_a')]: revision('0002', '0001', 'a', 'op.execute("SELECT 1")', 'from alembic import op\n'),
      [versionFile('0003_b')]: revision('0003', '0001', 'b', 'op.execute("SELECT 1")', 'from alembic import op\n'),
    };
    await repo.commit('base with two heads', twoHeads);
    await repo.branch('feature');
    await repo.commit('unrelated', { 'README.md': '# still a service\n' });
    const report = await check(repo);
    expect(report.findings.filter((f) => f.object === 'revision-graph')).toEqual([]);
    expect(report.warnings).toEqual(expect.arrayContaining([expect.stringContaining('already on base, not brought by this branch')]));
  });
});
