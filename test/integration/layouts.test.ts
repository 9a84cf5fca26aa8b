/**
 * Other real layouts (issue #9, item 5), shaped like Netflix Dispatch: a core chain
 * whose tables live in the `dispatch_core` schema, and a per-tenant chain whose
 * migrations run with `search_path` set to an organization's schema (here its template,
 * `dispatch_organization_default`). A new install is not made by the migrations but by
 * `create_all` of the models (tenant tables translated into the organization's schema)
 * and `alembic stamp head`, as Dispatch's `manage.py init_database` does.
 */
import { describe, expect, it } from 'vitest';
import { withClient } from '../../src/postgres/client.js';
import { check, newRepo } from '../support/analysis.js';
import { revision } from '../support/app-repo.js';
import { scratchDatabase } from '../support/postgres.js';
import { startRunner, tree } from '../alembic/runner-fixtures.js';

const TENANT = 'dispatch_organization_default';
const CORE_VERSIONS = 'dispatch/database/revisions/core/versions';
const TENANT_VERSIONS = 'dispatch/database/revisions/tenant/versions';

const CONFIG = `databases:
  - name: dispatch
    install: models
    chains:
      - versions: ${CORE_VERSIONS}
      - versions: ${TENANT_VERSIONS}
        version_table: alembic_version_tenant
        schema: ${TENANT}
    models: [dispatch/models.py]
python:
  paths: [.]
`;

const CORE_0001 = revision(
  'c0001',
  null,
  'core: organizations',
  `op.execute("CREATE SCHEMA IF NOT EXISTS dispatch_core")
op.create_table(
    "organization",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("slug", sa.String(), nullable=False),
    schema="dispatch_core",
)`,
);

/** Unqualified: the search_path puts it in the organization's schema. It also adds a trigger no model can declare. */
const TENANT_0001 = revision(
  't0001',
  null,
  'tenant: projects',
  `op.create_table(
    "project",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("organization_id", sa.Integer(), sa.ForeignKey("dispatch_core.organization.id"), nullable=True),
)
op.create_index("ix_project_name", "project", ["name"])
op.execute("CREATE FUNCTION project_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")
op.execute("CREATE TRIGGER project_touch BEFORE UPDATE ON project FOR EACH ROW EXECUTE FUNCTION project_touch()")`,
);

const MODELS = (projectColumns = '') => `import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, mapped_column


class Base(DeclarativeBase):
    pass


class Organization(Base):
    __tablename__ = "organization"
    __table_args__ = {"schema": "dispatch_core"}

    id = mapped_column(sa.Integer, primary_key=True)
    slug = mapped_column(sa.String, nullable=False)


class Project(Base):
    __tablename__ = "project"

    id = mapped_column(sa.Integer, primary_key=True)
    name = mapped_column(sa.String, nullable=False, index=True)
    organization_id = mapped_column(sa.ForeignKey("dispatch_core.organization.id"))
${projectColumns}`;

async function dispatchShaped(name: string, config = CONFIG) {
  const repo = await newRepo(name);
  await repo.commit('base', {
    '.github/driftbot.yml': config,
    'dispatch/__init__.py': '',
    'dispatch/models.py': MODELS(),
    [`${CORE_VERSIONS}/c0001_organizations.py`]: CORE_0001,
    [`${TENANT_VERSIONS}/t0001_projects.py`]: TENANT_0001,
  });
  await repo.branch('feature');
  return repo;
}

describe('a Dispatch-shaped project: installed from its models, a per-tenant chain in its template schema', () => {
  it('a tenant migration that matches the models → clean (the trigger no model declares is not drift)', async () => {
    const repo = await dispatchShaped('layout-clean');
    await repo.commit('project description', {
      'dispatch/models.py': MODELS('    description = mapped_column(sa.Text)\n'),
      [`${TENANT_VERSIONS}/t0002_description.py`]: revision(
        't0002',
        't0001',
        'tenant: description',
        'op.add_column("project", sa.Column("description", sa.Text(), nullable=True))',
      ),
    });
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.findings).toEqual([]);
    expect(report.status).toBe('clean');
    expect(report.databases).toEqual([
      expect.objectContaining({
        name: 'dispatch',
        clean: true,
        chains: [
          { versions: CORE_VERSIONS, versionTable: 'alembic_version', headRevisions: ['c0001'] },
          { versions: TENANT_VERSIONS, versionTable: 'alembic_version_tenant', headRevisions: ['t0002'] },
        ],
      }),
    ]);
  });

  it('a tenant migration that differs from the models → drift on the tenant schema’s table, named with its schema, and a verified fix', async () => {
    const repo = await dispatchShaped('layout-drift');
    await repo.commit('project description, migrated as a varchar', {
      'dispatch/models.py': MODELS('    description = mapped_column(sa.Text)\n    archived = mapped_column(sa.Boolean, nullable=False, server_default=sa.false())\n'),
      [`${TENANT_VERSIONS}/t0002_description.py`]: revision(
        't0002',
        't0001',
        'tenant: description',
        'op.add_column("project", sa.Column("description", sa.String(length=80), nullable=True))',
      ),
    });
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.status).toBe('drift');
    // New installs are what create_all makes: existing ones, upgraded by the tenant chain, differ.
    expect(report.findings.map((f) => [f.table, f.name, f.difference, f.fresh, f.upgraded])).toEqual([
      [`${TENANT}.project`, 'description', 'differs-on-upgraded', 'text', 'character varying(80)'],
      [`${TENANT}.project`, 'archived', 'missing-on-upgraded', 'boolean not null default false', null],
    ]);
    expect(report.findings[0]!.cause).toMatchObject({ revision: 't0002', path: `${TENANT_VERSIONS}/t0002_description.py` });
    expect(report.fix).toMatchObject({ chain: TENANT_VERSIONS, revision: 't0003', downRevision: 't0002', verified: true, remainingDifferences: 0 });
    // Written for every tenant's search_path, not for the template schema it was verified on.
    expect(report.fix!.statements).toEqual([
      'ALTER TABLE project ADD COLUMN IF NOT EXISTS archived boolean DEFAULT false NOT NULL',
      expect.stringContaining("attrelid = 'project'::regclass AND attname = 'description'"),
    ]);
    expect(report.fix!.content).not.toContain(TENANT);
  });
});

/**
 * Dispatch as it is: both chains begin with an empty revision (every table comes from
 * create_all), the core chain runs with search_path set to dispatch_core and alters its
 * tables unqualified, and the models name dispatch_core for core tables and nothing for
 * tenant ones. An existing database began as a new install too: base's models, stamped.
 */
describe('Dispatch as it is: empty first revisions, each chain in its own schema', () => {
  const config = `databases:
  - name: dispatch
    install: models
    chains:
      - versions: ${CORE_VERSIONS}
        schema: dispatch_core
      - versions: ${TENANT_VERSIONS}
        schema: ${TENANT}
    models: [dispatch/models.py]
python:
  paths: [.]
`;
  const organizationName = '    name = mapped_column(sa.String)\n';

  it("existing databases start as base's own new install; a tenant revision that differs from the models → drift in the tenant schema, fix verified", async () => {
    const repo = await newRepo('layout-empty-first');
    const models = MODELS().replace('    slug = mapped_column(sa.String, nullable=False)\n', `    slug = mapped_column(sa.String, nullable=False)\n${organizationName}`);
    await repo.commit('base', {
      '.github/driftbot.yml': config,
      'dispatch/__init__.py': '',
      'dispatch/models.py': models,
      [`${CORE_VERSIONS}/c0001_initial.py`]: revision('c0001', null, 'initial core revision', 'pass'),
      // Unqualified: only dispatch_core on the search_path finds it, and only an install made from the models has it.
      [`${CORE_VERSIONS}/c0002_name.py`]: revision('c0002', 'c0001', 'organization name', 'op.add_column("organization", sa.Column("name", sa.String(), nullable=True))'),
      [`${TENANT_VERSIONS}/t0001_initial.py`]: revision('t0001', null, 'initial tenant revision', 'pass'),
    });
    await repo.branch('feature');
    await repo.commit('project description, migrated as a varchar', {
      'dispatch/models.py': models.replace(/$/, '    description = mapped_column(sa.Text)\n'),
      [`${TENANT_VERSIONS}/t0002_description.py`]: revision(
        't0002',
        't0001',
        'tenant: description',
        'op.add_column("project", sa.Column("description", sa.String(length=80), nullable=True))',
      ),
    });
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.warnings.filter((w) => w.includes('schema'))).toEqual([]);
    expect(report.findings.map((f) => [f.table, f.name, f.difference, f.fresh, f.upgraded])).toEqual([
      [`${TENANT}.project`, 'description', 'differs-on-upgraded', 'text', 'character varying(80)'],
    ]);
    expect(report.findings[0]!.cause).toMatchObject({ revision: 't0002' });
    expect(report.fix).toMatchObject({ chain: TENANT_VERSIONS, verified: true, remainingDifferences: 0 });
  });
});

describe('a per-tenant chain installed by its migrations', () => {
  it('the models’ tables without a schema are compared in the chain’s schema: a model change with no migration is found there', async () => {
    const repo = await dispatchShaped('layout-migrations', CONFIG.replace('    install: models\n', ''));
    await repo.commit('project description in the model only', { 'dispatch/models.py': MODELS('    description = mapped_column(sa.Text)\n') });
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.findings.map((f) => [f.table, f.name, f.difference, f.models])).toEqual([[`${TENANT}.project`, 'description', 'missing-in-migrations', 'text']]);
    expect(report.fix).toMatchObject({ chain: TENANT_VERSIONS, verified: true });
    expect(report.fix!.statements).toEqual(['ALTER TABLE project ADD COLUMN IF NOT EXISTS description text']);
  });
});

describe('install: models, when the models cannot make a new install', () => {
  it('models that cannot be imported: exit 2 naming the models file and its error, never a drift report', async () => {
    const repo = await dispatchShaped('layout-models-broken');
    await repo.commit('models read a setting', { 'dispatch/models.py': `import os\nos.environ["DISPATCH_ENCRYPTION_KEY"]\n${MODELS()}` });
    const report = await check(repo);
    expect(report.status).toBe('error');
    expect(report.findings).toEqual([]);
    expect(report.errors).toEqual([
      {
        message: expect.stringMatching(
          /^a new install of database dispatch is create_all of head's models \(install: models\), and they could not be built: cannot import dispatch\/models\.py: KeyError: 'DISPATCH_ENCRYPTION_KEY'/,
        ),
        path: 'dispatch/models.py',
        revision: null,
      },
    ]);
  });

  it('no model file at all: exit 2 naming the setting to change', async () => {
    const repo = await dispatchShaped('layout-no-models');
    await repo.commit('models moved', { '.github/driftbot.yml': CONFIG.replace('models: [dispatch/models.py]', 'models: [dispatch/db/*.py]') });
    const report = await check(repo);
    expect(report.status).toBe('error');
    expect(report.errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('database dispatch is installed from its models (install: models), but no model file was found: list them under databases[].models'),
      }),
    ]);
  });
});

describe('the runner: a chain run in its schema, a stamp, models translated into it', () => {
  it('creates the schema, runs unqualified DDL there, keeps the version table there; a stamp records the head and runs nothing', async () => {
    const runner = await startRunner();
    const orgsAndProjects = revision(
      't0001',
      null,
      'tenant: orgs and projects',
      'op.create_table("org", sa.Column("id", sa.Integer(), primary_key=True))\nop.create_table("project", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("org_id", sa.Integer(), sa.ForeignKey("org.id")))',
    );
    const root = await tree({ 'versions/t0001_projects.py': orgsAndProjects });
    const upgraded = await scratchDatabase('schema-chain');
    const stamped = await scratchDatabase('schema-stamp');
    try {
      const common = { versions: `${root}/versions`, versionTable: 'alembic_version_tenant', schema: TENANT, pythonPaths: [root], stubMissingImports: false, root };
      const result = await runner.upgrade({ url: upgraded.url, ...common });
      expect(result.failure).toBeNull();
      expect(result.applied.map((a) => a.revision)).toEqual(['t0001']);
      const tables = await upgraded.query<{ schemaname: string; tablename: string }>(
        "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
      );
      expect(tables.rows).toEqual([
        { schemaname: TENANT, tablename: 'alembic_version_tenant' },
        { schemaname: TENANT, tablename: 'org' },
        { schemaname: TENANT, tablename: 'project' },
      ]);

      const stamp = await runner.upgrade({ url: stamped.url, ...common, stamp: true });
      expect(stamp).toEqual({ applied: [], standIns: [], failure: null });
      const version = await stamped.query<{ version_num: string }>(`SELECT version_num FROM ${TENANT}.alembic_version_tenant`);
      expect(version.rows).toEqual([{ version_num: 't0001' }]);
      expect((await stamped.query(`SELECT FROM pg_tables WHERE tablename = 'project'`)).rows).toEqual([]);
    } finally {
      await Promise.all([upgraded.drop(), stamped.drop(), runner.close()]);
    }
  });

  it('create_all puts tables without a schema into the chain schema the models name for no table, as schema_translate_map does; explicit schemas stay', async () => {
    const runner = await startRunner();
    const root = await tree({ 'dispatch/__init__.py': '', 'dispatch/models.py': MODELS('    status = mapped_column(sa.Enum("open", "closed", name="project_status"))\n') });
    const database = await scratchDatabase('schema-models');
    try {
      const result = await runner.buildModels({
        url: database.url,
        files: [`${root}/dispatch/models.py`],
        // dispatch_core is the core chain's and named by the models: the tenant's is left.
        chainSchemas: ['dispatch_core', TENANT],
        pythonPaths: [root],
        stubMissingImports: false,
        root,
      });
      expect(result.errors).toEqual([]);
      expect(result.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['dispatch_core.organization', `${TENANT}.project`]);
      const tables = await database.query<{ t: string }>(
        "SELECT schemaname || '.' || tablename AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
      );
      expect(tables.rows.map((r) => r.t)).toEqual(['dispatch_core.organization', `${TENANT}.project`]);
      // Its enum type goes with it, as create_all under schema_translate_map makes it.
      const types = await database.query<{ t: string }>(
        "SELECT n.nspname || '.' || t.typname AS t FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'e'",
      );
      expect(types.rows.map((r) => r.t)).toEqual([`${TENANT}.project_status`]);
    } finally {
      await Promise.all([database.drop(), runner.close()]);
    }
  });

  it('refuses a schema name that is not one identifier, before any SQL', async () => {
    const runner = await startRunner();
    const root = await tree({ 'versions/t0001_projects.py': TENANT_0001 });
    const database = await scratchDatabase('schema-bad');
    try {
      await expect(
        runner.upgrade({ url: database.url, versions: `${root}/versions`, versionTable: 'v', schema: 'a"; DROP', pythonPaths: [root], stubMissingImports: false, root }),
      ).rejects.toThrow(/not a schema name/);
      const schemas = await withClient(database.url, (client) => client.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'a%'"));
      expect(schemas.rows).toEqual([]);
    } finally {
      await Promise.all([database.drop(), runner.close()]);
    }
  });
});
