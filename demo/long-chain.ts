/**
 * A generated single chain of 500 revisions, the size a long-lived service reaches: 40
 * tables created first, then columns added, indexes made, and data migrations that
 * INSERT and UPDATE rows of tables created earlier (some through `op.get_bind()`), in
 * rotation. The `feature` branch edits revision 495 in place (its `score` column becomes
 * BIGINT and a `rank` column is added), so there is drift to find at the end of a long
 * history. Models are generated from the same description as the migrations, so they
 * match head exactly.
 */
import { GitFixture } from './git-fixture.js';
import { revisionFile } from './monorepo.js';

export const LONG_CHAIN_VERSIONS = 'api/app/migrations/versions';
const MODELS = 'api/app/models/dbes.py';
const TABLES = 40;
/** The revision the feature branch edits in place. */
export const EDITED = 495;

export const LONG_CHAIN_CONFIG = `databases:
  - name: main
    chains:
      - versions: ${LONG_CHAIN_VERSIONS}
        version_table: alembic_version
    models:
      - ${MODELS}
python:
  paths: [api]
`;

export const longChainId = (i: number) => `lc${String(i).padStart(4, '0')}`;
const table = (t: number) => `t_${String(t).padStart(2, '0')}`;

interface Column {
  name: string;
  type: string;
}

interface Model {
  columns: Column[];
  indexes: { name: string; column: string }[];
}

export interface LongChain {
  /** Every file of `main`. */
  files: Record<string, string>;
  /** The files `feature` changes: the edited revision and the models that follow it. */
  edit: Record<string, string>;
  ids: string[];
}

export function generateLongChain(revisions = 500): LongChain {
  if (revisions <= EDITED) throw new Error(`a long chain needs more than ${EDITED} revisions`);
  const models: Model[] = Array.from({ length: TABLES }, () => ({ columns: [], indexes: [] }));
  const files: Record<string, string> = {};
  const ids: string[] = [];
  const path = (i: number, message: string) => `${LONG_CHAIN_VERSIONS}/${longChainId(i)}_${message.replace(/\W+/g, '_').toLowerCase()}.py`;
  const add = (message: string, body: string) => {
    const i = ids.length + 1;
    ids.push(longChainId(i));
    files[path(i, message)] = revisionFile(longChainId(i), i === 1 ? null : longChainId(i - 1), message, body);
  };

  for (let t = 0; t < TABLES; t++) {
    add(
      `create ${table(t)}`,
      `op.create_table(\n    "${table(t)}",\n    sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),\n    sa.Column("name", sa.String(length=120), nullable=False),\n    sa.Column("qty", sa.Integer(), nullable=True),\n)`,
    );
  }
  let editedBase = '';
  let editedHead = '';
  while (ids.length < revisions) {
    const i = ids.length + 1;
    const t = i % TABLES;
    const name = table(t);
    if (i === EDITED) {
      // The revision the branch edits: main adds `score INTEGER`; feature makes it BIGINT and adds `rank`.
      editedBase = `op.add_column("${name}", sa.Column("score", sa.Integer(), nullable=True))`;
      editedHead = `op.add_column("${name}", sa.Column("score", sa.BigInteger(), nullable=True))\nop.add_column("${name}", sa.Column("rank", sa.Integer(), nullable=True))`;
      add(`score ${name}`, editedBase);
      continue;
    }
    switch (i % 4) {
      case 0: {
        const column = `c_${String(i).padStart(4, '0')}`;
        models[t]!.columns.push({ name: column, type: 'sa.Text()' });
        add(`add ${name} ${column}`, `op.add_column("${name}", sa.Column("${column}", sa.Text(), nullable=True))`);
        break;
      }
      case 1:
        add(`seed ${name}`, `op.execute("INSERT INTO ${name} (name, qty) VALUES ('r${i}a', ${i}), ('r${i}b', NULL)")`);
        break;
      case 2:
        add(
          `recount ${name}`,
          `conn = op.get_bind()\nconn.execute(sa.text("UPDATE ${name} SET qty = coalesce(qty, 0) + :step"), {"step": ${i}})\nconn.execute(sa.text("SELECT count(*) FROM ${name}")).scalar()`,
        );
        break;
      default: {
        const index = `ix_${name}_r${i}`;
        models[t]!.indexes.push({ name: index, column: 'name' });
        add(`index ${name} ${i}`, `op.create_index("${index}", "${name}", ["name"])`);
      }
    }
  }
  const editedPath = Object.keys(files).find((p) => p.includes(`/${longChainId(EDITED)}_`))!;
  const editedTable = EDITED % TABLES;
  const baseModels = models.map((m, t) => (t === editedTable ? { ...m, columns: [...m.columns, { name: 'score', type: 'sa.Integer()' }] } : m));
  const headModels = models.map((m, t) =>
    t === editedTable ? { ...m, columns: [...m.columns, { name: 'score', type: 'sa.BigInteger()' }, { name: 'rank', type: 'sa.Integer()' }] } : m,
  );
  files[MODELS] = modelsFile(baseModels);
  Object.assign(files, { '.github/driftbot.yml': LONG_CHAIN_CONFIG, 'api/app/__init__.py': '', 'api/app/models/__init__.py': '' });
  const edited = files[editedPath]!.replace(editedBase.replace(/^/gm, '    '), editedHead.replace(/^/gm, '    '));
  if (edited === files[editedPath]) throw new Error(`the in-place edit of ${editedPath} changed nothing`);
  const edit = { [editedPath]: edited, [MODELS]: modelsFile(headModels) };
  return { files, edit, ids };
}

function modelsFile(models: Model[]): string {
  const classes = models.map((model, t) => {
    const args = model.indexes.map((index) => `sa.Index("${index.name}", "${index.column}")`);
    return `class T${String(t).padStart(2, '0')}DBE(Base):
    __tablename__ = "${table(t)}"
${args.length ? `    __table_args__ = (${args.join(', ')},)\n` : ''}
    id = sa.Column(sa.BigInteger(), sa.Identity(), primary_key=True)
    name = sa.Column(sa.String(length=120), nullable=False)
    qty = sa.Column(sa.Integer(), nullable=True)
${model.columns.map((c) => `    ${c.name} = sa.Column(${c.type}, nullable=True)`).join('\n')}
`;
  });
  return `import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


${classes.join('\n\n')}`;
}

/** `main` with the whole chain; `feature` with revision 495 edited in place. */
export async function createLongChainRepository(dir: string, revisions = 500): Promise<{ repo: GitFixture; base: string; head: string }> {
  const chain = generateLongChain(revisions);
  const repo = await GitFixture.create(dir);
  await repo.commit(`long chain: ${chain.ids.length} revisions`, chain.files);
  await repo.branch('feature');
  await repo.commit(`edit ${longChainId(EDITED)} in place`, chain.edit);
  await repo.checkout('main');
  return { repo, base: 'main', head: 'feature' };
}
