/**
 * The models leg tells the whole truth (issue #9, item 6): everything the models
 * declare — column types, nullability and server defaults, primary keys, unique
 * constraints, indexes (unique, partial, `postgresql_using`, expressions), named checks,
 * foreign keys (target, ondelete), enum types and values — and nothing they don't.
 *
 * One base where a hand-written migration and the models agree on all of it, in
 * different words where the models leave the choice to Postgres (constraint names, a
 * default the model does not declare, an index the model does not know): clean. Then,
 * per declared thing, a branch whose models differ in exactly that, with no migration:
 * the one finding it must give, and a fix that makes the migrations agree.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { GitFixture } from '../../demo/git-fixture.js';
import { check, newRepo } from '../support/analysis.js';
import { SCAFFOLD, models, revision, versionFile } from '../support/app-repo.js';

const MIGRATION = revision(
  '0001',
  null,
  'create projects',
  `status = postgresql.ENUM("active", "closed", name="project_status")
op.create_table("orgs", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("code", sa.String(20)), sa.UniqueConstraint("code", name="uq_orgs_code"))
op.create_table("owners", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("email", sa.String(200), nullable=False))
op.create_index("ix_owners_email_unique", "owners", ["email"], unique=True)
op.create_table(
    "projects",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(length=100), nullable=False),
    sa.Column("slug", sa.String(length=100), nullable=False),
    sa.Column("budget", sa.Numeric(10, 2), server_default="0", nullable=False),
    sa.Column("status", status, nullable=False),
    sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("tags", postgresql.ARRAY(sa.Text()), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    sa.PrimaryKeyConstraint("id", name="pk_projects"),
    sa.UniqueConstraint("org_id", "slug", name="uq_projects_org_slug"),
    sa.CheckConstraint("budget >= 0", name="ck_projects_budget"),
)
op.create_index("ix_projects_name", "projects", ["name"])
op.create_index("ix_projects_live_slug", "projects", ["slug"], unique=True, postgresql_where=sa.text("archived_at IS NULL"))
op.create_index("ix_projects_tags", "projects", ["tags"], postgresql_using="gin")
op.create_index("ix_projects_lower_name", "projects", [sa.text("lower(name)")])
op.create_index("ix_projects_created", "projects", ["created_at"])`,
  'import sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy.dialects import postgresql\n',
);

/**
 * The same tables as the models say them: Postgres names the unnamed, no created_at
 * default, no created_at index, and uniqueness the other way round (a unique index where
 * the migration has a constraint, and the reverse).
 */
const MODEL = `
class Status(enum.Enum):
    active = "active"
    closed = "closed"


class Org(Base):
    __tablename__ = "orgs"
    __table_args__ = (sa.Index("ix_orgs_code", "code", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code = mapped_column(sa.String(20))


class Owner(Base):
    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(primary_key=True)
    email = mapped_column(sa.String(200), nullable=False, unique=True)


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "slug"),
        sa.CheckConstraint("budget >= 0", name="ck_projects_budget"),
        sa.Index("ix_projects_live_slug", "slug", unique=True, postgresql_where=sa.text("archived_at IS NULL")),
        sa.Index("ix_projects_tags", "tags", postgresql_using="gin"),
        sa.Index("ix_projects_lower_name", sa.text("lower(name)")),
    )

    id = mapped_column(sa.Integer, primary_key=True)
    org_id = mapped_column(sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    name = mapped_column(sa.String(100), nullable=False, index=True)
    slug = mapped_column(sa.String(100), nullable=False)
    budget = mapped_column(sa.Numeric(10, 2), server_default="0", nullable=False)
    status = mapped_column(sa.Enum(Status, name="project_status"), nullable=False)
    archived_at = mapped_column(sa.DateTime(timezone=True))
    tags = mapped_column(postgresql.ARRAY(sa.Text))
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
`;

interface Case {
  declared: string;
  /** The model's text, and what it becomes. */
  edit: [string, string];
  finding: { object: string; table: string | null; name: string; difference: string; models: string };
}

const CASES: Case[] = [
  {
    declared: 'a column type',
    edit: ['name = mapped_column(sa.String(100)', 'name = mapped_column(sa.String(200)'],
    finding: { object: 'column', table: 'projects', name: 'name', difference: 'differs-from-models', models: 'character varying(200) not null' },
  },
  {
    declared: 'nullability',
    edit: ['archived_at = mapped_column(sa.DateTime(timezone=True))', 'archived_at = mapped_column(sa.DateTime(timezone=True), nullable=False)'],
    finding: { object: 'column', table: 'projects', name: 'archived_at', difference: 'differs-from-models', models: 'timestamp with time zone not null' },
  },
  {
    declared: 'a server default',
    edit: ['server_default="0"', 'server_default="1"'],
    finding: { object: 'column', table: 'projects', name: 'budget', difference: 'differs-from-models', models: "numeric(10,2) not null default '1'::numeric" },
  },
  {
    declared: 'a primary key',
    edit: [
      'org_id = mapped_column(sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)',
      'org_id = mapped_column(sa.ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)',
    ],
    finding: { object: 'constraint', table: 'projects', name: 'projects_pkey', difference: 'missing-in-migrations', models: 'PRIMARY KEY (id, org_id)' },
  },
  {
    declared: 'a unique constraint',
    edit: ['sa.UniqueConstraint("org_id", "slug"),', 'sa.UniqueConstraint("org_id", "slug"),\n        sa.UniqueConstraint("org_id", "name"),'],
    finding: { object: 'constraint', table: 'projects', name: 'projects_org_id_name_key', difference: 'missing-in-migrations', models: 'UNIQUE (org_id, name)' },
  },
  {
    declared: 'an index’s uniqueness',
    edit: ['"slug", unique=True, postgresql_where', '"slug", postgresql_where'],
    finding: { object: 'index', table: 'projects', name: 'ix_projects_live_slug', difference: 'differs-from-models', models: 'using btree (slug) WHERE (archived_at IS NULL)' },
  },
  {
    declared: 'an index’s predicate',
    edit: ['sa.text("archived_at IS NULL")', 'sa.text("archived_at IS NULL AND budget > 0")'],
    finding: {
      object: 'index',
      table: 'projects',
      name: 'ix_projects_live_slug',
      difference: 'differs-from-models',
      models: 'unique using btree (slug) WHERE ((archived_at IS NULL) AND (budget > (0)::numeric))',
    },
  },
  {
    declared: 'an index method (postgresql_using)',
    edit: ['postgresql_using="gin"', 'postgresql_using="btree"'],
    finding: { object: 'index', table: 'projects', name: 'ix_projects_tags', difference: 'differs-from-models', models: 'using btree (tags)' },
  },
  {
    declared: 'an expression index',
    edit: ['sa.text("lower(name)")', 'sa.text("upper(name)")'],
    finding: { object: 'index', table: 'projects', name: 'ix_projects_lower_name', difference: 'differs-from-models', models: 'using btree (upper((name)::text))' },
  },
  {
    declared: 'a named check',
    edit: ['sa.CheckConstraint("budget >= 0"', 'sa.CheckConstraint("budget > 0"'],
    finding: { object: 'constraint', table: 'projects', name: 'ck_projects_budget', difference: 'differs-from-models', models: 'CHECK (budget > 0::numeric)' },
  },
  {
    declared: 'a foreign key’s target',
    edit: ['sa.ForeignKey("orgs.id", ondelete="CASCADE")', 'sa.ForeignKey("owners.id", ondelete="CASCADE")'],
    finding: {
      object: 'constraint',
      table: 'projects',
      name: 'projects_org_id_fkey',
      difference: 'differs-from-models',
      models: 'FOREIGN KEY (org_id) REFERENCES owners(id) ON DELETE CASCADE',
    },
  },
  {
    declared: 'a foreign key’s ondelete',
    edit: ['ondelete="CASCADE"', 'ondelete="RESTRICT"'],
    finding: {
      object: 'constraint',
      table: 'projects',
      name: 'projects_org_id_fkey',
      difference: 'differs-from-models',
      models: 'FOREIGN KEY (org_id) REFERENCES orgs(id) ON DELETE RESTRICT',
    },
  },
  {
    declared: 'an enum’s values',
    edit: ['    closed = "closed"\n', '    closed = "closed"\n    paused = "paused"\n'],
    finding: { object: 'enum', table: null, name: 'project_status', difference: 'differs-from-models', models: "enum ('active', 'closed', 'paused')" },
  },
];

describe('the models leg tells the whole truth', () => {
  let repo: GitFixture;
  beforeAll(async () => {
    repo = await newRepo('models-leg');
    await repo.commit('base', { ...SCAFFOLD, [versionFile('0001_create_projects')]: MIGRATION, ...models(MODEL) });
    for (const [i, c] of CASES.entries()) {
      await repo.branch(`case-${i}`, 'main');
      const [from, to] = c.edit;
      if (!MODEL.includes(from)) throw new Error(`the case "${c.declared}" edits text the model does not have: ${from}`);
      await repo.commit(c.declared, models(MODEL.replace(from, to)));
    }
    await repo.branch('clean', 'main');
    await repo.commit('unrelated', { 'README.md': '# still a service\n' });
  });

  it('nothing the models do not declare: constraint names Postgres chose, a default and an index only the migration has, uniqueness enforced the other way → clean', async () => {
    const report = await check(repo, 'main', 'clean');
    expect(report.errors).toEqual([]);
    expect(report.findings).toEqual([]);
    expect(report.status).toBe('clean');
  });

  it.each(CASES.map((c, i) => [c.declared, i] as const))('%s, changed in the models only → that one finding, and a verified fix', async (_declared, i) => {
    const c = CASES[i]!;
    const report = await check(repo, 'main', `case-${i}`);
    expect(report.errors).toEqual([]);
    expect(report.findings.map((f) => ({ object: f.object, table: f.table, name: f.name, difference: f.difference, models: f.models }))).toEqual([c.finding]);
    expect(report.fix).toMatchObject({ verified: true, remainingDifferences: 0 });
  });
});

/**
 * Models use the types extensions bring but never create them: the models database gets
 * the extensions the fresh install has. It is begun beside fresh with the extensions of
 * the history base and head share, and made again when head's revisions add one.
 */
describe('the models of types that extensions bring', () => {
  /** A revision that creates `extension` and a table with a column of its type, and the model of that table. */
  const withExtension = (id: string, down: string | null, extension: string, table: string, className: string, column: string, type: string) => ({
    revision: revision(
      id,
      down,
      `${table}, with ${extension}`,
      `op.execute("CREATE EXTENSION IF NOT EXISTS ${extension}")
op.create_table("${table}", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("${column}", postgresql.${type}(), nullable=False))`,
      'import sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy.dialects import postgresql\n',
    ),
    model: `
class ${className}(Base):
    __tablename__ = "${table}"

    id: Mapped[int] = mapped_column(primary_key=True)
    ${column} = mapped_column(postgresql.${type}(), nullable=False)
`,
  });
  const users = withExtension('0001', null, 'citext', 'users', 'User', 'email', 'CITEXT');
  const prefs = withExtension('0002', '0001', 'hstore', 'prefs', 'Pref', 'data', 'HSTORE');
  let repo: GitFixture;
  beforeAll(async () => {
    repo = await newRepo('models-extensions');
    await repo.commit('base', { ...SCAFFOLD, [versionFile('0001_users')]: users.revision, ...models(users.model) });
    await repo.branch('unrelated', 'main');
    await repo.commit('unrelated', { 'README.md': '# still a service\n' });
    await repo.branch('prefs', 'main');
    await repo.commit('prefs', { [versionFile('0002_prefs')]: prefs.revision, ...models(users.model + prefs.model) });
  });

  it.each([
    ['an extension of the history base and head share', 'unrelated'],
    ['an extension a revision of head adds', 'prefs'],
  ])('%s is in the models database: clean, no models error', async (_what, branch) => {
    const report = await check(repo, 'main', branch);
    expect(report.errors).toEqual([]);
    expect(report.warnings.filter((w) => /models/.test(w))).toEqual([]);
    expect(report.findings).toEqual([]);
    expect(report.status).toBe('clean');
  });
});
