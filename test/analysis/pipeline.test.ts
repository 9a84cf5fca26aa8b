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

describe('the models build gets through what real projects do', () => {
  const ORDERS_0002 = revision(
    '0002',
    '0001',
    'create orders',
    `op.create_table(
    "orders",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
)`,
  );
  const BASE = 'app/base.py';
  const ORDERS_MODEL = `from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.base import Base


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, ForeignKey("accounts.id"), nullable=False)
`;
  const ACCOUNTS_MODULE = `import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.base import Base
${ACCOUNT_MODEL}`;
  // Only the orders module is listed: accounts, which its foreign key names, is declared elsewhere.
  const CONFIG = '.github/driftbot.yml';
  const config = 'databases:\n  - chains: [{ versions: migrations/versions }]\n    models: [app/orders.py]\npython:\n  paths: ["."]\n';
  const files = (extra: Record<string, string>) => ({
    ...SCAFFOLD,
    [CONFIG]: config,
    [BASE]: 'from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n',
    'app/orders.py': ORDERS_MODEL,
    [versionFile('0001_create_accounts')]: ACCOUNTS_0001,
    [versionFile('0002_create_orders')]: ORDERS_0002,
    ...extra,
  });

  it('imports the one module that declares a table a foreign key names', async () => {
    const repo = await newRepo('fk-elsewhere');
    await repo.commit('base', files({ 'app/accounts.py': ACCOUNTS_MODULE }));
    await repo.branch('feature');
    await repo.commit('unrelated', { 'README.md': '# orders\n' });
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.warnings.filter((w) => w.includes('left out'))).toEqual([]);
    expect(report.status).toBe('clean');
  });

  it('leaves out a foreign key to a table that several files declare, and says so', async () => {
    const repo = await newRepo('fk-ambiguous');
    await repo.commit('base', files({ 'app/accounts.py': ACCOUNTS_MODULE, 'legacy/accounts.py': ACCOUNTS_MODULE }));
    await repo.branch('feature');
    await repo.commit('unrelated', { 'README.md': '# orders\n' });
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/foreign keys to table 'accounts' were left out of the models build \(orders\.account_id → accounts\.id\).*2 files declare it/),
      ]),
    );
  });

  it('when create_all fails, the installs are still compared and the fix still proposed', async () => {
    // A type the models use but leave to the migrations to create: create_all fails on it.
    const moody = models(`${ACCOUNT_MODEL}\n    mood = mapped_column(postgresql.ENUM("calm", "busy", name="mood", create_type=False))\n`);
    const repo = await editedInPlace('models-create-all-fails', moody);
    const report = await check(repo);
    expect(report.status).toBe('drift');
    expect(report.findings).toEqual(expect.arrayContaining([expect.objectContaining({ table: 'accounts', name: 'nickname', difference: 'missing-on-upgraded' })]));
    expect(report.fix?.verified).toBe(true);
    expect(report.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/models could not be built.*mood/) })]);
  });
});

describe('models that already disagreed with the migrations on base', () => {
  // The model says 100 characters, the migration made 200: true on base and on head alike.
  const narrow = models(ACCOUNT_MODEL.replace('sa.String(200)', 'sa.String(100)'));

  it('are a warning, not this branch’s finding, when the branch touches neither side', async () => {
    const repo = await newRepo('models-preexisting');
    await repo.commit('base', { ...SCAFFOLD, ...narrow, [versionFile('0001_create_accounts')]: ACCOUNTS_0001 });
    await repo.branch('feature');
    await repo.commit('unrelated', { 'README.md': '# unrelated\n' });
    const report = await check(repo);
    expect(report.status).toBe('clean');
    expect(report.findings).toEqual([]);
    expect(report.warnings).toEqual(
      expect.arrayContaining([expect.stringContaining('column accounts.email already differed between the models and the migrations before this branch')]),
    );
  });

  it('are this branch’s finding when it edits the model file', async () => {
    const repo = await newRepo('models-touched');
    await repo.commit('base', { ...SCAFFOLD, ...models(ACCOUNT_MODEL), [versionFile('0001_create_accounts')]: ACCOUNTS_0001 });
    await repo.branch('feature');
    await repo.commit('narrow the model', narrow);
    const report = await check(repo);
    expect(report.findings).toEqual([expect.objectContaining({ table: 'accounts', name: 'email', difference: 'differs-from-models' })]);
  });
});

describe('the fix repairs what the branch did', () => {
  it('is verified when only what its commented-out drops would remove is left', async () => {
    const repo = await newRepo('fix-held-back');
    const withNickname = ACCOUNTS_0001.replace(
      'sa.Column("email", sa.String(length=200), nullable=False),',
      'sa.Column("email", sa.String(length=200), nullable=False),\n    sa.Column("nickname", sa.Text()),',
    );
    await repo.commit('base', { ...SCAFFOLD, ...models(ACCOUNT_MODEL), [versionFile('0001_create_accounts')]: withNickname });
    await repo.branch('feature');
    await repo.commit('drop nickname from 0001 in place', { [versionFile('0001_create_accounts')]: ACCOUNTS_0001 });
    const report = await check(repo);
    expect(report.findings).toEqual([expect.objectContaining({ table: 'accounts', name: 'nickname', difference: 'only-on-upgraded' })]);
    expect(report.fix?.steps).toEqual([expect.objectContaining({ disabled: true, sql: expect.stringContaining('DROP COLUMN IF EXISTS nickname') })]);
    expect(report.fix).toMatchObject({ verified: true, remainingDifferences: 0 });
  });

  it('leaves alone a models difference base already had', async () => {
    // The model says 100 characters where the migration made 200, on base and head alike;
    // the branch edits another table's revision in place.
    const narrow = models(ACCOUNT_MODEL.replace('sa.String(200)', 'sa.String(100)'));
    const teams = (extra: string) => revision('0002', '0001', 'create teams', `op.create_table(\n    "teams",\n    sa.Column("id", sa.Integer(), primary_key=True),${extra}\n)`);
    const repo = await newRepo('fix-leaves-base-alone');
    await repo.commit('base', { ...SCAFFOLD, ...narrow, [versionFile('0001_create_accounts')]: ACCOUNTS_0001, [versionFile('0002_create_teams')]: teams('') });
    await repo.branch('feature');
    await repo.commit('edit 0002 in place', { [versionFile('0002_create_teams')]: teams('\n    sa.Column("slug", sa.Text()),') });
    const report = await check(repo);
    expect(report.findings).toEqual([expect.objectContaining({ table: 'teams', name: 'slug', difference: 'missing-on-upgraded' })]);
    expect(report.warnings).toEqual(expect.arrayContaining([expect.stringContaining('column accounts.email already differed')]));
    expect(report.fix?.statements.join('\n')).not.toContain('email');
    expect(report.fix).toMatchObject({ verified: true, remainingDifferences: 0 });
  });
});
