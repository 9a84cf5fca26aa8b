/**
 * A generated monorepo shaped like the real layout driftbot was built for: a `core`
 * database built by a legacy chain (hex ids, `alembic_version`) then an `oss` chain
 * (`oss000000001`…, `alembic_version_oss`) whose tables reference the legacy chain's; a
 * `tracing` database with two chains of its own (`0001`… and `tr000000001`…). 150
 * revisions in all, with data migrations that import app modules (which import a
 * package that is not installed), a branch and its merge revision, enums, partial
 * indexes, identity and generated columns; models over 20+ `dbes.py` files sharing
 * mixins from `dbas.py`. Migrations and models come from one description of each table,
 * so that nothing differs unless a test injects it.
 */
import { createHash } from 'node:crypto';
import { revision } from './seed-repo.js';

export interface ColumnSpec {
  name: string;
  /** SQLAlchemy type expression in migrations and models. */
  type: string;
  nullable: boolean;
  /** Extra sa.Column arguments (server_default=…, sa.Identity(), sa.Computed(…)). */
  extra?: string;
}

interface TableSpec {
  name: string;
  /** Columns the create revision makes (after the mixin columns). */
  columns: ColumnSpec[];
  /** Columns added later, each by a revision of its own. */
  added: ColumnSpec[];
  /** Foreign key to another table's id. */
  references?: string;
  mixins: ('IdDBA' | 'TimestampsDBA' | 'FlagsDBA')[];
  partialIndexOn?: string;
  enumColumn?: boolean;
}

export interface Chain {
  database: 'core' | 'tracing';
  versions: string;
  versionTable: string;
  id: (i: number) => string;
  /** Revision files: path → content. */
  files: Record<string, string>;
  ids: string[];
}

export const ROOT = 'api/oss/databases/postgres/migrations';

const MIXIN_COLUMNS: Record<TableSpec['mixins'][number], ColumnSpec[]> = {
  IdDBA: [{ name: 'id', type: 'sa.BigInteger()', nullable: false, extra: 'sa.Identity(), primary_key=True' }],
  TimestampsDBA: [{ name: 'created_at', type: 'sa.DateTime(timezone=True)', nullable: false, extra: 'server_default=sa.text("now()")' }],
  FlagsDBA: [{ name: 'flags', type: 'postgresql.JSONB()', nullable: true }],
};

const PG_IMPORTS = 'import sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy.dialects import postgresql\n';

export function revisionFile(id: string, down: string | string[] | null, message: string, body: string, imports = PG_IMPORTS): string {
  return revision(id, down, message, body, imports);
}

function column(c: ColumnSpec): string {
  return `sa.Column("${c.name}", ${c.type}${c.extra ? `, ${c.extra}` : ''}, nullable=${c.nullable ? 'True' : 'False'})`;
}

function tables(prefix: string, count: number, referencePrefix: string | null): TableSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}_${String(i).padStart(2, '0')}`,
    columns: [
      { name: 'name', type: 'sa.String(length=120)', nullable: false },
      { name: 'note', type: 'sa.Text()', nullable: true },
      ...(i % 4 === 1
        ? [
            { name: 'qty', type: 'sa.Integer()', nullable: true },
            { name: 'qty_doubled', type: 'sa.Integer()', nullable: true, extra: 'sa.Computed("qty * 2")' },
          ]
        : []),
    ],
    added: [{ name: 'deleted_at', type: 'sa.DateTime()', nullable: true }],
    references: referencePrefix && i % 3 === 0 ? `${referencePrefix}_${String(i % 5).padStart(2, '0')}` : undefined,
    mixins: i % 2 === 0 ? ['IdDBA', 'TimestampsDBA', 'FlagsDBA'] : ['IdDBA', 'TimestampsDBA'],
    partialIndexOn: i % 5 === 2 ? 'name' : undefined,
    enumColumn: i % 7 === 3,
  }));
}

/** A chain of revisions for the given tables: create, later add a column, index, data migrations. */
function chain(
  database: Chain['database'],
  folder: string,
  versionTable: string,
  id: (i: number) => string,
  specs: TableSpec[],
  target: number,
  enumName: string,
  withMerge: boolean,
): Chain {
  const files: Record<string, string> = {};
  const ids: string[] = [];
  const versions = `${ROOT}/${folder}/versions`;
  let previous: string | null = null;
  const add = (message: string, body: string, imports?: string, down: string | string[] | null = previous) => {
    const rid = id(ids.length + 1);
    ids.push(rid);
    files[`${versions}/${rid}_${message.replace(/\W+/g, '_').toLowerCase()}.py`] = revisionFile(rid, down, message, body, imports);
    previous = rid;
    return rid;
  };
  add(`create ${enumName}`, `postgresql.ENUM("draft", "live", name="${enumName}").create(op.get_bind(), checkfirst=True)`);
  for (const spec of specs) {
    const cols = [...spec.mixins.flatMap((m) => MIXIN_COLUMNS[m]), ...spec.columns];
    const fk = spec.references ? `,\n    sa.Column("parent_id", sa.BigInteger(), sa.ForeignKey("${spec.references}.id"), nullable=True)` : '';
    const status = spec.enumColumn ? `,\n    sa.Column("status", postgresql.ENUM(name="${enumName}", create_type=False), nullable=True)` : '';
    add(`create ${spec.name}`, `op.create_table(\n    "${spec.name}",\n    ${cols.map(column).join(',\n    ')}${fk}${status},\n)`);
  }
  add(`add value to ${enumName}`, `op.execute("ALTER TYPE ${enumName} ADD VALUE IF NOT EXISTS 'archived'")`);
  for (const spec of specs) {
    add(`add ${spec.name} deleted_at`, spec.added.map((c) => `op.add_column("${spec.name}", ${column(c)})`).join('\n'));
    if (spec.partialIndexOn)
      add(`index live ${spec.name}`, `op.create_index("ix_${spec.name}_live", "${spec.name}", ["${spec.partialIndexOn}"], postgresql_where=sa.text("deleted_at IS NULL"))`);
  }
  // A data migration that imports app code (which needs a package that is not installed).
  add(
    'backfill names',
    `op.execute(f"UPDATE ${specs[0]!.name} SET note = '{default_note()}' WHERE note IS NULL")\nconn = op.get_bind()\nconn.execute(sa.text("SELECT count(*) FROM ${specs[0]!.name}"))`,
    `${PG_IMPORTS}from oss.src.core.helpers import default_note\n`,
  );
  if (withMerge) {
    const fork = previous!;
    const left = add('left branch', `op.execute("COMMENT ON TABLE ${specs[1]!.name} IS 'left'")`, undefined, fork);
    const right = add('right branch', `op.execute("COMMENT ON TABLE ${specs[2]!.name} IS 'right'")`, undefined, fork);
    add('merge branches', 'pass', undefined, [left, right]);
  }
  // More idioms seen in real chains: batch_alter_table, a GIN index, depends_on, branch_labels, empty revisions.
  const withFlags = specs.find((spec) => spec.mixins.includes('FlagsDBA'))!;
  add('batch index', `with op.batch_alter_table("${specs[1]!.name}") as batch:\n    batch.create_index("ix_${specs[1]!.name}_note", ["note"])`);
  add('gin on flags', `op.create_index("ix_${withFlags.name}_flags", "${withFlags.name}", ["flags"], postgresql_using="gin")`);
  const dependsOn = ids[2]!;
  const rid = add('depends on an earlier revision', 'pass');
  const dependent = Object.keys(files).find((p) => p.includes(`/${rid}_`))!;
  files[dependent] = files[dependent]!.replace('depends_on = None', `depends_on = "${dependsOn}"`);
  const first = Object.keys(files).find((p) => p.includes(`/${ids[0]}_`))!;
  files[first] = files[first]!.replace('branch_labels = None', `branch_labels = ("${folder}",)`);
  while (ids.length < target) add(`noop ${ids.length + 1}`, 'pass');
  return { database, versions, versionTable, id, files, ids };
}

const hex = (seed: string) => (i: number) => createHash('sha1').update(`${seed}${i}`).digest('hex').slice(0, 12);

export interface Monorepo {
  files: Record<string, string>;
  chains: Chain[];
  specs: { core: TableSpec[]; oss: TableSpec[]; tracing: TableSpec[]; tracingOss: TableSpec[] };
}

export function generateMonorepo(): Monorepo {
  const core = tables('legacy', 8, null);
  const oss = tables('oss', 8, 'legacy');
  const tracing = tables('spans', 6, null);
  const tracingOss = tables('traces', 6, 'spans');
  const chains = [
    chain('core', 'core', 'alembic_version', hex('core'), core, 40, 'legacy_state', true),
    chain('core', 'core_oss', 'alembic_version_oss', (i) => `oss${String(i).padStart(9, '0')}`, oss, 50, 'oss_state', false),
    chain('tracing', 'tracing', 'alembic_version', (i) => String(i).padStart(4, '0'), tracing, 30, 'span_state', false),
    chain('tracing', 'tracing_oss', 'alembic_version_tracing_oss', (i) => `tr${String(i).padStart(9, '0')}`, tracingOss, 30, 'trace_state', false),
  ];
  const files: Record<string, string> = { '.github/driftbot.yml': monorepoConfig(chains) };
  for (const c of chains) Object.assign(files, c.files);
  Object.assign(files, appModules(), modelFiles('core', [...core, ...oss]), modelFiles('tracing', [...tracing, ...tracingOss]));
  return { files, chains, specs: { core, oss, tracing, tracingOss } };
}

export function monorepoConfig(chains: Chain[]): string {
  const byDatabase = (database: string) =>
    chains
      .filter((c) => c.database === database)
      .map((c) => `      - versions: ${c.versions}\n        version_table: ${c.versionTable}`)
      .join('\n');
  return `databases:
  - name: core
    chains:
${byDatabase('core')}
    models:
      - api/oss/src/dbs/postgres/core/**/dbes.py
  - name: tracing
    chains:
${byDatabase('tracing')}
    models:
      - api/oss/src/dbs/postgres/tracing/**/dbes.py
python:
  paths: [api]
`;
}

function appModules(): Record<string, string> {
  return {
    'api/oss/__init__.py': '',
    'api/oss/src/__init__.py': '',
    'api/oss/src/core/__init__.py': '',
    'api/oss/src/utils/__init__.py': '',
    'api/oss/src/utils/env.py': 'from pydantic_settings import BaseSettings\n\n\nclass Env(BaseSettings):\n    default_note: str = "n/a"\n\n\nenv = Env()\n',
    'api/oss/src/core/helpers.py': 'from oss.src.utils.env import env\n\n\ndef default_note() -> str:\n    return "backfilled"\n',
    'api/oss/src/dbs/__init__.py': '',
    'api/oss/src/dbs/postgres/__init__.py': '',
    'api/oss/src/dbs/postgres/shared/__init__.py': '',
    'api/oss/src/dbs/postgres/shared/base.py':
      'from sqlalchemy.orm import DeclarativeBase\n\n\nclass CoreBase(DeclarativeBase):\n    pass\n\n\nclass TracingBase(DeclarativeBase):\n    pass\n',
    'api/oss/src/dbs/postgres/shared/dbas.py': `import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import declared_attr


class IdDBA:
    id = sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)


class TimestampsDBA:
    created_at = sa.Column(sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


class FlagsDBA:
    @declared_attr
    def flags(cls):
        return sa.Column(JSONB, nullable=True)
`,
  };
}

/** One package and dbes.py per table: 20+ model files. */
export function modelFiles(database: 'core' | 'tracing', specs: TableSpec[], extraColumns: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = { [`api/oss/src/dbs/postgres/${database}/__init__.py`]: '' };
  const base = database === 'core' ? 'CoreBase' : 'TracingBase';
  for (const spec of specs) {
    const dir = `api/oss/src/dbs/postgres/${database}/${spec.name}`;
    const enumName = `${spec.name.split('_')[0] === 'legacy' ? 'legacy' : spec.name.split('_')[0] === 'oss' ? 'oss' : spec.name.split('_')[0] === 'spans' ? 'span' : 'trace'}_state`;
    const lines = [
      ...spec.columns.map((c) => `    ${c.name} = ${column(c).replace(/^sa\.Column\("[^"]+", /, 'sa.Column(')}`),
      ...spec.added.map((c) => `    ${c.name} = ${column(c).replace(/^sa\.Column\("[^"]+", /, 'sa.Column(')}`),
      ...(spec.references ? [`    parent_id = sa.Column(sa.BigInteger(), sa.ForeignKey("${spec.references}.id"), nullable=True)`] : []),
      ...(spec.enumColumn ? [`    status = sa.Column(postgresql.ENUM("draft", "live", "archived", name="${enumName}"), nullable=True)`] : []),
      ...(extraColumns[spec.name] ? [`    ${extraColumns[spec.name]}`] : []),
    ];
    files[`${dir}/__init__.py`] = '';
    files[`${dir}/dbes.py`] = `import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from oss.src.dbs.postgres.shared.base import ${base}
from oss.src.dbs.postgres.shared.dbas import ${spec.mixins.join(', ')}


class ${spec.name.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}DBE(${base}, ${spec.mixins.join(', ')}):
    __tablename__ = "${spec.name}"

${lines.join('\n')}
`;
  }
  return files;
}
