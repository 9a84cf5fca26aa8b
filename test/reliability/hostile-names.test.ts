/**
 * Hostile names in the proposed fix: whatever a pull request names its tables,
 * columns, enums and revisions, the revision file is valid Python whose only effects
 * are the planned `op.execute` calls, with its revision ids and docstring read back
 * exactly as given; and, on real databases with real Alembic, the fix converges and
 * a second run changes nothing.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FixStep } from '../../src/report/report.js';
import { AlembicRunner } from '../../src/alembic/bridge.js';
import { escapeForSqlalchemyText } from '../../src/fix/alembic-text.js';
import { FIX_LOCK_TIMEOUT, migrationFile } from '../../src/fix/migration-file.js';
import { planFix } from '../../src/fix/plan.js';
import { pythonString } from '../../src/fix/python-source.js';
import { migrationFileName, migrationFilePath, nextRevisionId, SAFE_REVISION_ID } from '../../src/fix/revision-id.js';
import { ident, literal, typeName } from '../../src/fix/sql.js';
import { schemaEntries } from '../../src/schema/entries.js';
import type { Schema } from '../../src/schema/schema.js';
import { column, index, schema, table } from '../fix/build-schema.js';
import { databaseFrom, schemaOf } from '../support/schemas.js';

/** mulberry32: a tiny seeded PRNG, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pieces that have broken generated source or SQL somewhere: quotes, line ends of every kind, keywords, binds, comment starters. */
const PIECES = [
  '"',
  "'",
  '\\',
  '"""',
  "'''",
  '\n',
  '\r',
  '\r\n',
  '\u2028',
  '\u2029',
  '\x85',
  '\x0c',
  '\x0b',
  '\t',
  '\x1b[2J',
  '\u202e',
  '\u200b',
  '\ufeff',
  '#',
  ' # -*- coding: utf-7 -*-',
  ':x',
  '\\:y',
  '$$',
  '$driftbot0$',
  ';',
  '--',
  '/*',
  '*/',
  ')',
  '(',
  '{',
  '%s',
  '\\N{BULLET}',
  '\\x41',
  'left',
  'user',
  'select',
  'join',
  'Order',
  'UPPER',
  ' ',
  'naïve',
  '💥',
  'ß',
  'import os',
  'os.system("id")',
  '__import__',
  'pass',
];
/** Only where no Postgres name goes (a revision id, a message): NUL and a lone surrogate. */
const NOT_IN_NAMES = ['\x00', '\ud800', '\udfff'];

function hostile(random: () => number, pieces: string[], max = 6): string {
  const n = 1 + Math.floor(random() * max);
  let text = '';
  for (let i = 0; i < n; i++) text += random() < 0.25 ? String.fromCharCode(97 + Math.floor(random() * 26)) : pieces[Math.floor(random() * pieces.length)]!;
  return text;
}

interface Case {
  revision: string;
  downRevisions: string[];
  message: string;
  steps: FixStep[];
}

/** A drifted pair of Schemas built from hostile names, and the fix planned between them. */
function hostileCase(seed: number): Case {
  const random = prng(seed);
  const name = () => hostile(random, PIECES);
  const text = () => hostile(random, [...PIECES, ...NOT_IN_NAMES]);
  const [tableName, otherTable, addedColumn, enumName, indexName] = [name(), `${name()}_2`, `${name()}_c`, `${name()}_e`, `${name()}_ix`];
  const values = [`${name()}_1`, `${name()}_2`, `${name()}_3`];
  const mood = typeName('public', enumName);
  const target = schema({
    enums: [{ schema: 'public', name: enumName, values }],
    tables: [
      table(tableName, [
        column('id', 'integer'),
        column(addedColumn, 'text', { default: `${literal(text())}::text` }),
        column('mood', mood, { default: `${literal(values[2]!)}::${mood}` }),
      ]),
      table(otherTable, [column(name(), 'bigint', { notNull: true })]),
    ],
    indexes: [index(tableName, indexName, `CREATE INDEX ${ident(indexName)} ON public.${ident(tableName)} USING btree (id)`)],
  });
  const old = schema({
    enums: [{ schema: 'public', name: enumName, values: values.slice(0, 1) }],
    tables: [table(tableName, [column('id', 'integer'), column('mood', mood), column(`${name()}_gone`, 'text')])],
  });
  const downs = random() < 0.5 ? [text()] : [text(), text()];
  return { revision: text(), downRevisions: random() < 0.1 ? [] : downs, message: text(), steps: planFix(target, [target, old]) };
}

/**
 * Reads every `<case>.py` of a folder with Python's own parser and reports, per case,
 * anything but: a docstring, `from alembic import op`, the four assignments to plain
 * constants, an `upgrade()` made only of `op.execute(<string>)` (in an autocommit
 * block or not) or `pass`, and a `downgrade()` that is `pass`. Every call in the file
 * must be one of those.
 */
const CHECKER = String.raw`
import ast, json, os, sys

folder = sys.argv[1]

def is_op(node, attr):
    return isinstance(node, ast.Attribute) and node.attr == attr and isinstance(node.value, ast.Name) and node.value.id == 'op'

def bare_call(node, check_func):
    return isinstance(node, ast.Call) and check_func(node.func) and not node.args and not node.keywords

def constant(node, kind):
    return type(node) is ast.Constant and type(node.value) is kind

def statements(body, problems, executed, calls):
    for node in body:
        if isinstance(node, ast.Pass):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and is_op(node.value.func, 'execute') \
                and len(node.value.args) == 1 and not node.value.keywords and constant(node.value.args[0], str):
            executed.append(node.value.args[0].value)
            calls.append(node.value)
            continue
        if isinstance(node, ast.With) and len(node.items) == 1 and node.items[0].optional_vars is None:
            block = node.items[0].context_expr
            if bare_call(block, lambda f: isinstance(f, ast.Attribute) and f.attr == 'autocommit_block' and bare_call(f.value, lambda g: is_op(g, 'get_context'))):
                calls.extend([block, block.func.value])
                statements(node.body, problems, executed, calls)
                continue
        problems.append('unexpected statement in upgrade(): ' + ast.dump(node)[:200])

def no_arguments(fn):
    a = fn.args
    return not (a.posonlyargs or a.args or a.vararg or a.kwonlyargs or a.kwarg or a.defaults or a.kw_defaults)

def check(source, expected):
    problems, executed, calls = [], [], []
    tree = ast.parse(source)
    body = tree.body
    if not (body and isinstance(body[0], ast.Expr) and constant(body[0].value, str)):
        return ['no docstring'], executed
    if body[0].value.value != expected['docstring']:
        problems.append('docstring is %r' % body[0].value.value)
    assigned, functions = {}, {}
    for node in body[1:]:
        if isinstance(node, ast.ImportFrom) and node.module == 'alembic' and node.level == 0 and [(a.name, a.asname) for a in node.names] == [('op', None)]:
            continue
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and node.targets[0].id not in assigned:
            assigned[node.targets[0].id] = node.value
            continue
        if isinstance(node, ast.FunctionDef) and node.name in ('upgrade', 'downgrade') and node.name not in functions \
                and not node.decorator_list and no_arguments(node) and type(node.returns) is ast.Constant and node.returns.value is None:
            functions[node.name] = node
            continue
        problems.append('unexpected top-level statement: ' + ast.dump(node)[:200])
    if sorted(assigned) != ['branch_labels', 'depends_on', 'down_revision', 'revision']:
        problems.append('assigns %r' % sorted(assigned))
    else:
        if not (constant(assigned['revision'], str) and assigned['revision'].value == expected['revision']):
            problems.append('revision is ' + ast.dump(assigned['revision']))
        down, downs = assigned['down_revision'], expected['down_revisions']
        if len(downs) == 0:
            ok = type(down) is ast.Constant and down.value is None
        elif len(downs) == 1:
            ok = constant(down, str) and down.value == downs[0]
        else:
            ok = isinstance(down, ast.Tuple) and [e.value if constant(e, str) else e for e in down.elts] == downs
        if not ok:
            problems.append('down_revision is ' + ast.dump(down))
        for name in ('branch_labels', 'depends_on'):
            if not (type(assigned[name]) is ast.Constant and assigned[name].value is None):
                problems.append(name + ' is not None')
    if sorted(functions) != ['downgrade', 'upgrade']:
        problems.append('defines %r' % sorted(functions))
    else:
        statements(functions['upgrade'].body, problems, executed, calls)
        if [type(s) for s in functions['downgrade'].body] != [ast.Pass]:
            problems.append('downgrade() is not pass')
    every_call = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    if len(every_call) != len(calls) or any(c not in calls for c in every_call):
        problems.append('%d calls, %d expected' % (len(every_call), len(calls)))
    return problems, executed

results = {}
for file in sorted(os.listdir(folder)):
    if file.endswith('.py'):
        case = file[:-3]
        with open(os.path.join(folder, case + '.json'), encoding='utf-8') as f:
            expected = json.load(f)
        with open(os.path.join(folder, file), 'rb') as f:
            source = f.read()
        try:
            problems, executed = check(source, expected)
        except SyntaxError as error:
            problems, executed = ['syntax error: %s' % error], []
        results[case] = {'problems': problems, 'executed': executed}
print(json.dumps(results))
`;

interface Checked {
  problems: string[];
  executed: string[];
}

/** The statements as Python reads them, laid out alike: indentation around line breaks is the file's, not the SQL's. */
const layout = (sql: string) =>
  sql
    .trim()
    .split('\n')
    .map((line) => line.trim())
    .join('\n');

function docstring(input: { message: string; revision: string; downRevisions: string[] }): string {
  return `${input.message}\n\nRevision ID: ${input.revision}\nRevises: ${input.downRevisions.join(', ')}\n`;
}

/** Writes the files and their expectations to a folder of their own under `parent`, and checks them all in one Python run. */
async function checkFiles(
  parent: string,
  files: Record<string, { source: string; revision: string; downRevisions: string[]; docstring: string }>,
): Promise<Record<string, Checked>> {
  const folder = await mkdtemp(join(parent, 'check-'));
  for (const [name, file] of Object.entries(files)) {
    await writeFile(join(folder, `${name}.py`), file.source);
    await writeFile(join(folder, `${name}.json`), JSON.stringify({ revision: file.revision, down_revisions: file.downRevisions, docstring: file.docstring }));
  }
  return JSON.parse(execFileSync(inject('pythonExecutable'), ['-c', CHECKER, folder], { maxBuffer: 256 * 1024 * 1024 }).toString());
}

const CASES = 240;

describe('hostile names in the revision file (property, seeded)', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'driftbot-test-hostile-'));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it(`${CASES} random cases: valid Python, only the planned op.execute calls, ids and docstring read back exactly`, async () => {
    const cases = Array.from({ length: CASES }, (_, i) => hostileCase(i + 1));
    const files = Object.fromEntries(
      cases.map((c, i) => {
        const input = { ...c, downgradeNote: c.message };
        return [`case_${String(i + 1).padStart(3, '0')}`, { source: migrationFile(input), revision: c.revision, downRevisions: c.downRevisions, docstring: docstring(c) }];
      }),
    );
    const results = await checkFiles(folder, files);
    expect(Object.keys(results)).toHaveLength(CASES);
    cases.forEach((c, i) => {
      const result = results[`case_${String(i + 1).padStart(3, '0')}`]!;
      const seed = i + 1;
      expect({ seed, problems: result.problems }).toEqual({ seed, problems: [] });
      const planned = c.steps.filter((s) => !s.disabled).map((s) => layout(escapeForSqlalchemyText(s.sql)));
      // The fix's own lock_timeout first (a deployment-hazard rule), then exactly the plan.
      expect({ seed, executed: result.executed.map(layout) }).toEqual({ seed, executed: [FIX_LOCK_TIMEOUT, ...planned] });
      // The planner really saw the hostile names: a table and a column are added, an enum value too.
      expect(planned.length).toBeGreaterThanOrEqual(4);
      // Comments: never a raw line break of any kind, never a control or format character but a tab.
      const comments = files[`case_${String(i + 1).padStart(3, '0')}`]!.source.split('\n').filter((line) => line.trimStart().startsWith('#'));
      for (const line of comments) expect(line.replace(/\t/g, ' ')).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
    });
  });

  it('the checker itself catches a file that does more than it should', async () => {
    const good = migrationFile({
      revision: 'a1',
      downRevisions: ['a0'],
      message: 'm',
      steps: [{ sql: 'SELECT 1', comments: [], disabled: false, entryKey: 'x' }],
      downgradeNote: 'n',
    });
    const expected = { revision: 'a1', downRevisions: ['a0'], docstring: docstring({ message: 'm', revision: 'a1', downRevisions: ['a0'] }) };
    const results = await checkFiles(folder, {
      check_good: { source: good, ...expected },
      check_call: { source: good.replace('from alembic import op', 'from alembic import op\nimport os\nos.system("id")'), ...expected },
      check_exec: { source: good.replace('op.execute("SELECT 1")', 'op.execute("SELECT 1")\n    op.execute(open("x").read())'), ...expected },
      check_id: { source: good.replace('revision = "a1"', 'revision = "a" + "1"'), ...expected },
      check_doc: { source: good.replace('"""m', '"""m2'), ...expected },
      check_syntax: { source: good.replace('"""m', '"""m"""x'), ...expected },
    });
    expect(results.check_good).toEqual({ problems: [], executed: [FIX_LOCK_TIMEOUT, 'SELECT 1'] });
    for (const bad of ['check_call', 'check_exec', 'check_id', 'check_doc', 'check_syntax']) expect(results[bad]!.problems).not.toEqual([]);
  });

  it('derives only safe revision ids and file paths from hostile chains', () => {
    const random = prng(7);
    for (let i = 0; i < 200; i++) {
      const head = hostile(random, [...PIECES, ...NOT_IN_NAMES, '0042', '_', '-', '/', '../', '2024_01_31_1205', '20240131']);
      const id = nextRevisionId([head, 'other'], head);
      expect(id).toMatch(SAFE_REVISION_ID);
      const path = migrationFilePath('db/versions', migrationFileName(id, [`${head}.py`], hostile(random, PIECES)));
      expect(path).toMatch(/^db\/versions\/[A-Za-z0-9_-]+\.py$/);
    }
  });
});

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const ORDERS = 'Order "Items"';
const USERS = 'user';
const MOOD = 'Mood\'s "kind"';
const COLUMNS = { left: 'left', said: 'it\'s "col"', naive: 'naïve 💥', lines: 'line\nbreak', cr: 'cr\rhere', separator: 'sep\u2028x', select: 'select', Upper: 'Upper Case' };

/** Head's migrations, from nothing. */
const FRESH = `
CREATE TYPE ${q(MOOD)} AS ENUM ('it''s', 'a"b', 'back\\slash', ':bind', 'new
line');
CREATE TABLE ${q(ORDERS)} (
  id int PRIMARY KEY,
  ${q(COLUMNS.left)} text,
  ${q(COLUMNS.said)} ${q(MOOD)} DEFAULT ':bind',
  ${q(COLUMNS.naive)} text DEFAULT 'it''s :x \\ "q"',
  ${q(COLUMNS.lines)} int,
  ${q(COLUMNS.cr)} text,
  ${q(COLUMNS.separator)} text,
  ${q(COLUMNS.select)} int,
  ${q(COLUMNS.Upper)} int
);
CREATE INDEX ${q('ix "odd"\nname')} ON ${q(ORDERS)} (${q(COLUMNS.select)}, ${q(COLUMNS.Upper)});
CREATE TABLE ${q(USERS)} (id int, ${q('Name')} text NOT NULL DEFAULT '');
`;

/** A database upgraded from base, where the same revisions did less. */
const OLD = `
CREATE TYPE ${q(MOOD)} AS ENUM ('it''s', 'back\\slash');
CREATE TABLE ${q(ORDERS)} (
  id int PRIMARY KEY,
  ${q(COLUMNS.left)} varchar(10),
  ${q(COLUMNS.said)} ${q(MOOD)},
  ${q(COLUMNS.select)} int,
  ${q(COLUMNS.Upper)} int
);
INSERT INTO ${q(ORDERS)} (id, ${q(COLUMNS.left)}, ${q(COLUMNS.said)}) VALUES (1, 'kept', 'it''s');
`;

describe('hostile names on real databases, fixed by real Alembic', () => {
  let runner: AlembicRunner;
  let root: string;
  beforeAll(async () => {
    runner = await AlembicRunner.start({ python: inject('pythonExecutable'), env: { PATH: process.env.PATH ?? '' }, cwd: tmpdir(), timeoutMs: 60_000 });
    root = await mkdtemp(join(tmpdir(), 'driftbot-test-hostile-db-'));
  });
  afterAll(async () => {
    await runner?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('the fix converges, a second run changes nothing, and the data stays', async () => {
    const fresh = await databaseFrom('hostilefresh', FRESH);
    const old = await databaseFrom('hostileold', OLD);
    try {
      const target: Schema = await schemaOf(fresh);
      const steps = planFix(target, [target, await schemaOf(old)]);
      expect(steps.filter((s) => s.disabled)).toEqual([]);
      // A base revision whose id is hostile too: the fix must name it exactly to follow it. (No
      // single quote: Alembic itself writes ids into its version table's SQL unescaped.)
      const base = `b"a\\s#e 1`;
      const versions = join(root, 'versions');
      await mkdir(versions, { recursive: true });
      await writeFile(
        join(versions, 'base.py'),
        `from alembic import op\nrevision = ${pythonString(base)}\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n\ndef upgrade():\n    pass\n`,
      );
      const revision = nextRevisionId([base], base);
      expect(revision).toMatch(/^[0-9a-f]{12}$/);
      const path = migrationFilePath(versions, migrationFileName(revision, ['base.py'], 'reconcile schema drift'));
      const message = `reconcile schema drift left by ${base}`;
      const source = migrationFile({ revision, downRevisions: [base], message, steps, downgradeNote: 'Nothing to undo.' });
      await writeFile(path, source);
      const checked = await checkFiles(root, { fix: { source, revision, downRevisions: [base], docstring: docstring({ message, revision, downRevisions: [base] }) } });
      expect(checked.fix!.problems).toEqual([]);

      const rounds: [Map<string, unknown>, Map<string, unknown>][] = [];
      for (let round = 0; round < 2; round++) {
        for (const database of [fresh, old]) {
          // The second round runs the revision again over its own result.
          if (round === 1) await database.query('UPDATE alembic_version SET version_num = $1', [base]);
          const result = await runner.upgrade({ url: database.url, versions, versionTable: 'alembic_version', pythonPaths: [], stubMissingImports: false, root });
          expect(result.failure).toBeNull();
        }
        rounds.push([schemaEntries(await schemaOf(fresh)), schemaEntries(await schemaOf(old))]);
      }
      const [[freshAfter, oldAfter], [freshAgain, oldAgain]] = rounds as [[Map<string, unknown>, Map<string, unknown>], [Map<string, unknown>, Map<string, unknown>]];
      expect(oldAfter).toEqual(freshAfter);
      expect(freshAgain).toEqual(freshAfter);
      expect(oldAgain).toEqual(oldAfter);
      // Verified: planned again, nothing is left to do.
      const after = await schemaOf(old);
      expect(planFix(await schemaOf(fresh), [await schemaOf(fresh), after])).toEqual([]);
      // The hostile names are the objects' real names, the new enum values are there, the row is kept.
      expect(after.tables.find((t) => t.name === ORDERS)!.columns.map((c) => c.name)).toEqual(expect.arrayContaining(['id', ...Object.values(COLUMNS)]));
      expect(after.enums.find((e) => e.name === MOOD)!.values).toEqual(["it's", 'a"b', 'back\\slash', ':bind', 'new\nline']);
      expect(after.indexes.map((i) => i.name)).toEqual(['ix "odd"\nname']);
      const row = await old.query(`SELECT ${q(COLUMNS.left)} AS l, ${q(COLUMNS.said)}::text AS said, ${q(COLUMNS.naive)} AS naive FROM ${q(ORDERS)}`);
      expect(row.rows).toEqual([{ l: 'kept', said: "it's", naive: 'it\'s :x \\ "q"' }]);
    } finally {
      await fresh.drop();
      await old.drop();
    }
  });
});
