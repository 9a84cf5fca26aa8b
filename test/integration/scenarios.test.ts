/**
 * The cases every schema-drift tool must get right, each on a real git repository,
 * built by real Alembic on real Postgres. None has a driftbot config: discovery finds
 * the Alembic setup (alembic.ini) and the models (app/models.py) every time.
 */
import { describe, expect, it } from 'vitest';
import { check, databasesOfRun, differences, newRepo, testServer } from '../support/analysis.js';
import { analyse } from '../../src/analysis/analyse.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { resolveCommit } from '../../src/workspace/git.js';
import { ACCOUNT_MODEL, ACCOUNTS_0001, SCAFFOLD, models, revision, versionFile } from '../support/app-repo.js';

describe('drift scenarios', () => {
  it('a clean PR: a new migration that matches the models → clean, no fix', async () => {
    const repo = await newRepo('clean');
    await repo.commit('base', { ...SCAFFOLD, [versionFile('0001_create_accounts')]: ACCOUNTS_0001, ...models(ACCOUNT_MODEL) });
    await repo.branch('feature');
    await repo.commit('add display name', {
      [versionFile('0002_add_display_name')]: revision('0002', '0001', 'add display name', `op.add_column("accounts", sa.Column("display_name", sa.Text(), nullable=True))`),
      ...models(`${ACCOUNT_MODEL}    display_name = mapped_column(sa.Text, nullable=True)\n`),
    });
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.status).toBe('clean');
    expect(report.findings).toEqual([]);
    expect(report.editedMigrations).toEqual([]);
    expect(report.fix).toBeNull();
    expect(report.warnings.join('\n')).toMatch(/migrations\/versions/);
  });

  it('a migration inserted into the middle of history: existing databases never run it', async () => {
    const repo = await newRepo('inserted');
    const accounts0002 = revision('0002', '0001', 'index emails', `op.create_index("ix_accounts_email", "accounts", ["email"])`);
    await repo.commit('base', { ...SCAFFOLD, [versionFile('0001_create_accounts')]: ACCOUNTS_0001, [versionFile('0002_index_emails')]: accounts0002, ...models(ACCOUNT_MODEL) });
    await repo.branch('feature');
    await repo.commit('insert audit log before 0002', {
      [versionFile('0001a_audit_log')]: revision(
        '0001a',
        '0001',
        'audit log',
        `op.create_table("audit_log", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("action", sa.Text(), nullable=False))`,
      ),
      [versionFile('0002_index_emails')]: revision('0002', '0001a', 'index emails', `op.create_index("ix_accounts_email", "accounts", ["email"])`),
    });
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(differences(report)).toEqual({ audit_log: 'missing-on-upgraded' });
    expect(report.findings[0]!.cause).toMatchObject({ revision: '0001a', kind: 'inserted-into-history', path: versionFile('0001a_audit_log') });
    expect(report.editedMigrations).toEqual([expect.objectContaining({ revision: '0002', change: 'reparented', baseDownRevision: ['0001'], headDownRevision: ['0001a'] })]);
    expect(report.fix).toMatchObject({ revision: '0003', downRevision: '0002', verified: true, remainingDifferences: 0 });
    expect(report.fix!.statements.join('\n')).toMatch(/CREATE TABLE IF NOT EXISTS audit_log/i);
  });

  it('a model change with no migration', async () => {
    const repo = await newRepo('model-only');
    await repo.commit('base', { ...SCAFFOLD, [versionFile('0001_create_accounts')]: ACCOUNTS_0001, ...models(ACCOUNT_MODEL) });
    await repo.branch('feature');
    await repo.commit('nickname in the model only', { ...models(`${ACCOUNT_MODEL}    nickname: Mapped[str] = mapped_column(sa.String(50), nullable=True)\n`) });
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.status).toBe('drift');
    expect(report.findings).toEqual([
      expect.objectContaining({
        table: 'accounts',
        name: 'nickname',
        difference: 'missing-in-migrations',
        fresh: null,
        upgraded: null,
        models: 'character varying(50)',
        breaksCode: true,
        cause: null,
      }),
    ]);
    expect(report.findings[0]!.references).toEqual([{ path: 'app/models.py', line: 18, symbol: 'Account' }]);
    expect(report.editedMigrations).toEqual([]);
    expect(report.fix).toMatchObject({ revision: '0002', downRevision: '0001', verified: true, remainingDifferences: 0 });
    expect(report.fix!.statements.join('\n')).toMatch(/ADD COLUMN IF NOT EXISTS nickname character varying\(50\)/i);
  });

  it('an index predicate and a unique constraint changed in place', async () => {
    const repo = await newRepo('index');
    const constraints = (predicate: string, unique: string) =>
      revision(
        '0002',
        '0001',
        'constraints',
        `op.add_column("accounts", sa.Column("org_id", sa.Integer(), nullable=True))
op.add_column("accounts", sa.Column("deleted_at", sa.DateTime(), nullable=True))
op.create_index("ix_accounts_live_email", "accounts", ["email"], postgresql_where=sa.text("${predicate}"))
op.create_unique_constraint("uq_accounts_org_email", "accounts", [${unique}])`,
      );
    await repo.commit('base', {
      ...SCAFFOLD,
      [versionFile('0001_create_accounts')]: ACCOUNTS_0001,
      [versionFile('0002_constraints')]: constraints('deleted_at IS NULL', '"org_id", "email"'),
    });
    await repo.branch('feature');
    await repo.commit('tighten in place', { [versionFile('0002_constraints')]: constraints('deleted_at IS NULL AND org_id IS NOT NULL', '"email"') });
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(differences(report)).toEqual({
      'accounts.ix_accounts_live_email': 'differs-on-upgraded',
      'accounts.uq_accounts_org_email': 'differs-on-upgraded',
    });
    const unique = report.findings.find((f) => f.object === 'constraint')!;
    expect(unique).toMatchObject({ fresh: 'UNIQUE (email)', upgraded: 'UNIQUE (org_id, email)' });
    expect(unique.cause).toMatchObject({ revision: '0002', kind: 'edited-in-place' });
    expect(report.editedMigrations).toEqual([expect.objectContaining({ revision: '0002', change: 'modified' })]);
    expect(report.fix).toMatchObject({ verified: true, remainingDifferences: 0 });
  });

  it('an enum value added in place', async () => {
    const repo = await newRepo('enum');
    const statuses = (values: string) =>
      revision(
        '0001',
        null,
        'create accounts',
        `status = postgresql.ENUM(${values}, name="account_status")
op.create_table(
    "accounts",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("status", status, nullable=False),
)`,
        'import sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy.dialects import postgresql\n',
      );
    await repo.commit('base', { ...SCAFFOLD, [versionFile('0001_create_accounts')]: statuses('"active", "disabled"') });
    await repo.branch('feature');
    await repo.commit('add suspended', { [versionFile('0001_create_accounts')]: statuses('"active", "suspended", "disabled"') });
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.findings).toEqual([
      expect.objectContaining({
        object: 'enum',
        name: 'account_status',
        difference: 'differs-on-upgraded',
        fresh: "enum ('active', 'suspended', 'disabled')",
        upgraded: "enum ('active', 'disabled')",
      }),
    ]);
    expect(report.fix!.statements.join('\n')).toMatch(/ADD VALUE IF NOT EXISTS 'suspended' AFTER 'active'/);
    expect(report.fix).toMatchObject({ verified: true, remainingDifferences: 0 });
  });

  it('a head migration that fails on a fresh database: an error naming the revision and the Postgres error', async () => {
    const repo = await newRepo('failing');
    await repo.commit('base', { ...SCAFFOLD, [versionFile('0001_create_accounts')]: ACCOUNTS_0001 });
    await repo.branch('feature');
    await repo.commit('broken', { [versionFile('0002_broken')]: revision('0002', '0001', 'broken', `op.execute("ALTER TABLE no_such_table ADD COLUMN x integer")`) });
    const report = await check(repo);
    expect(report.status).toBe('error');
    expect(report.errors).toEqual([expect.objectContaining({ revision: '0002', path: versionFile('0002_broken') })]);
    expect(report.errors[0]!.message).toMatch(/relation "no_such_table" does not exist/);
    expect(report.fix).toBeNull();
  });

  it('two heads: reported as a revision-graph finding, fixed by a merge revision', async () => {
    const repo = await newRepo('two-heads');
    await repo.commit('base', { ...SCAFFOLD, [versionFile('0001_create_accounts')]: ACCOUNTS_0001 });
    await repo.branch('feature');
    await repo.commit('two branches of history', {
      [versionFile('0002_notes')]: revision('0002', '0001', 'notes', `op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True))`),
      [versionFile('0003_tags')]: revision('0003', '0001', 'tags', `op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True))`),
    });
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.status).toBe('drift');
    expect(report.findings).toEqual([expect.objectContaining({ object: 'revision-graph', name: 'multiple-heads' })]);
    expect(report.fix).toMatchObject({ revision: '0004', verified: true, remainingDifferences: 0 });
    expect(report.fix!.content).toMatch(/down_revision = \("0002", "0003"\)/);
  });
});

describe('revision-graph problems are findings, not crashes', () => {
  it.each([
    [
      'dangling',
      { [versionFile('0002_x')]: revision('0002', 'nope', 'x', 'pass') },
      "migrations/versions/0002_x.py: down_revision 'nope' names no revision in migrations/versions",
    ],
    [
      'duplicate',
      { [versionFile('0002_x')]: revision('0001', null, 'x', 'pass') },
      'revision id 0001 is declared twice: migrations/versions/0001_create_accounts.py and migrations/versions/0002_x.py',
    ],
    [
      'cycle',
      { [versionFile('0002_x')]: revision('0002', '0003', 'x', 'pass'), [versionFile('0003_x')]: revision('0003', '0002', 'x', 'pass') },
      'the revisions form a cycle: 0002 → 0003 → 0002',
    ],
  ])('%s', async (kind, files, message) => {
    const repo = await newRepo(`graph-${kind}`);
    await repo.commit('base', { ...SCAFFOLD, [versionFile('0001_create_accounts')]: ACCOUNTS_0001 });
    await repo.branch('feature');
    await repo.commit(kind, files as Record<string, string>);
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.status).toBe('drift');
    expect(report.findings.map((f) => [f.object, f.name, f.fresh])).toEqual([['revision-graph', kind, message]]);
    expect(report.fix).toBeNull();
  });
});

describe('stand-ins', () => {
  it('a migration that needs a module driftbot cannot import still runs, and the report says what may be missing', async () => {
    const repo = await newRepo('stand-in');
    await repo.commit('base', { ...SCAFFOLD, [versionFile('0001_create_accounts')]: ACCOUNTS_0001 });
    await repo.branch('feature');
    await repo.commit('a migration that reads app settings', {
      'app/settings.py': 'from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n    schema_name: str = "public"\n\n\nsettings = Settings()\n',
      [versionFile('0002_notes')]: revision(
        '0002',
        '0001',
        'notes',
        'op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True))',
        'import sqlalchemy as sa\nfrom alembic import op\nfrom app.settings import settings\nfrom internal_sdk.enums import NoteKind\n',
      ),
    });
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.status).toBe('clean');
    expect(report.standIns.map((s) => [s.module, s.importedFrom])).toEqual(
      expect.arrayContaining([
        ['pydantic_settings', 'app/settings.py'],
        ['internal_sdk', versionFile('0002_notes')],
      ]),
    );
    expect(report.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^migrations\/versions\/0002_notes\.py imports internal_sdk\b.*stand-in/)]));
    expect(report.warnings.some((w) => w.startsWith('app/settings.py'))).toBe(false);
  });
});

describe('upgrade from more than one starting point', () => {
  it('builds an upgraded database from each, and says which starting points have each finding', async () => {
    const repo = await newRepo('starts');
    await repo.commit('v1', { ...SCAFFOLD, [versionFile('0001_create_accounts')]: ACCOUNTS_0001 });
    await repo.git('tag', 'v1.0.0');
    await repo.commit('v2', { [versionFile('0002_notes')]: revision('0002', '0001', 'notes', 'op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True))') });
    await repo.git('tag', 'v2.0.0');
    await repo.commit('v3', { [versionFile('0003_tags')]: revision('0003', '0002', 'tags', 'op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True))') });
    await repo.branch('feature');
    // 0002 edited in place: v1 databases will run the new version; v2 and main ones never will.
    await repo.commit('edit 0002 in place', {
      [versionFile('0002_notes')]: revision('0002', '0001', 'notes', 'op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("body", sa.Text()))'),
    });
    const server = testServer();
    const report = await analyse({
      repo: repo.dir,
      base: { ref: 'main', sha: await resolveCommit(repo.dir, 'main') },
      head: { ref: 'feature', sha: await resolveCommit(repo.dir, 'feature') },
      server,
      upgradeFrom: ['v*~2'],
    });
    expect(report.errors).toEqual([]);
    expect(report.findings).toEqual([expect.objectContaining({ table: 'notes', name: 'body', difference: 'missing-on-upgraded', startingPoints: ['main', 'v2.0.0'] })]);
    expect(report.fix).toMatchObject({ verified: true, remainingDifferences: 0 });
    // Fresh, one upgraded database per starting point, and the history main and the branch
    // share (0001) built once, as the template fresh and main's upgraded copy start from.
    expect(report.environment.databasesBuilt).toBe(5);
    expect(report.timings.phases.map((p) => p.name)).toContain('build shared history');
    expect(report.startingPoints.map((p) => p.ref)).toEqual(['main', 'v2.0.0', 'v1.0.0']);
    expect(renderMarkdown(report)).toContain('(from `main`, `v2.0.0`)');
    // Verification applied the fix to the fresh database and to one upgraded database per starting point.
    expect(renderMarkdown(report)).toContain('✅ **Verified**: applied to the fresh database and to the 3 upgraded databases (from `main`, `v2.0.0`, `v1.0.0`);');
    expect(await databasesOfRun(server, report.environment.runId)).toEqual([]);
  });

  it('names a starting point that does not exist', async () => {
    const repo = await newRepo('starts-bad');
    await repo.commit('v1', { ...SCAFFOLD, [versionFile('0001_create_accounts')]: ACCOUNTS_0001 });
    await repo.branch('feature');
    const report = await analyse({
      repo: repo.dir,
      base: { ref: 'main', sha: await resolveCommit(repo.dir, 'main') },
      head: { ref: 'feature', sha: await resolveCommit(repo.dir, 'feature') },
      server: testServer(),
      upgradeFrom: ['v9.9.9', 'release-*'],
    });
    expect(report.status).toBe('error');
    expect(report.errors[0]!.message).toBe('upgrade_from: unknown git ref "v9.9.9"');
  });
});
