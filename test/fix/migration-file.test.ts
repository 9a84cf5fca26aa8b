/**
 * The fix as an Alembic revision file: valid Python for any SQL, shaped like a
 * hand-written revision, and — run by real Alembic on a real database — handing
 * Postgres every statement exactly as planned.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FixStep } from '../../src/report/report.js';
import { AlembicRunner } from '../../src/alembic/bridge.js';
import { escapeForSqlalchemyText } from '../../src/fix/alembic-text.js';
import { migrationFile } from '../../src/fix/migration-file.js';
import { literal } from '../../src/fix/sql.js';
import { scratchDatabase } from '../support/postgres.js';

const enabled = (sql: string, ...comments: string[]): FixStep => ({ sql, comments, disabled: false, entryKey: 'x' });
const disabled = (sql: string, reason: string): FixStep => ({ sql, comments: [reason], disabled: true, entryKey: 'y' });
const file = (steps: FixStep[], extra: Partial<Parameters<typeof migrationFile>[0]> = {}) =>
  migrationFile({ revision: 'oss000000009', downRevisions: ['oss000000008'], message: 'reconcile session_streams', steps, downgradeNote: 'Nothing to undo.', ...extra });

/** Top-level names the file assigns, as Python's own parser reads them. */
function assignedNames(source: string): string[] {
  const script = 'import ast,sys,json; m=ast.parse(sys.stdin.read()); print(json.dumps([n.targets[0].id for n in m.body if isinstance(n, ast.Assign)]))';
  return JSON.parse(execFileSync(inject('pythonExecutable'), ['-c', script], { input: source }).toString());
}

/** The docstring, and the string each `op.execute` receives, as Python reads them. */
function readBack(source: string): { doc: string; executed: string[] } {
  const script =
    'import ast,sys,json; m=ast.parse(sys.stdin.read()); print(json.dumps({"doc": ast.get_docstring(m, clean=False), "executed": [n.args[0].value for n in ast.walk(m) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "execute"]}))';
  return JSON.parse(execFileSync(inject('pythonExecutable'), ['-c', script], { input: source }).toString());
}

describe('migrationFile', () => {
  it('is shaped like a hand-written revision', () => {
    const seed = file([
      enabled('ALTER TABLE session_streams ADD COLUMN IF NOT EXISTS tags jsonb'),
      enabled(
        "DO $$\nBEGIN\n  IF 1 = 1 THEN\n    ALTER TABLE session_streams ALTER COLUMN status TYPE character varying USING status #>> '{}';\n  END IF;\nEND $$",
        'status is jsonb on upgraded databases.',
      ),
      disabled('ALTER TABLE session_streams DROP COLUMN IF EXISTS legacy', 'legacy may hold data.'),
    ]);
    expect(seed).toBe(`"""reconcile session_streams

Revision ID: oss000000009
Revises: oss000000008
"""
from alembic import op

revision = "oss000000009"
down_revision = "oss000000008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("SET lock_timeout = '5s'")

    op.execute("ALTER TABLE session_streams ADD COLUMN IF NOT EXISTS tags jsonb")

    # status is jsonb on upgraded databases.
    op.execute(
        """
        DO $$
        BEGIN
          IF 1 = 1 THEN
            ALTER TABLE session_streams ALTER COLUMN status TYPE character varying USING status #>> '{}';
          END IF;
        END $$
        """
    )

    # DISABLED: legacy may hold data.
    # op.execute("ALTER TABLE session_streams DROP COLUMN IF EXISTS legacy")


def downgrade() -> None:
    # Nothing to undo.
    pass
`);
    expect(assignedNames(seed)).toEqual(['revision', 'down_revision', 'branch_labels', 'depends_on']);
  });

  it('a disabled step, uncommented, is the enabled step', () => {
    const sql = "DO $$\nBEGIN\n  RAISE NOTICE 'x';\nEND $$";
    const code = (text: string) => text.split('\n').filter((l) => /op\.execute|"""|\$\$|BEGIN|RAISE|^\s*\)$/.test(l.replace(/^\s*# /, '')));
    const on = code(file([enabled(sql)]));
    const off = code(file([disabled(sql, 'why')])).map((l) => l.replace(/^(\s*)# ?/, '$1'));
    expect(off).toEqual(on);
  });

  it('writes a merge revision for several heads, and pass when every step is disabled', () => {
    const merged = file([disabled('DROP TABLE gone', 'gone may hold data.')], { downRevisions: ['0002', '0003'] });
    expect(merged).toContain('down_revision = ("0002", "0003")');
    expect(merged).toContain('    # op.execute("DROP TABLE gone")\n\n    pass\n');
    expect(assignedNames(merged)).toContain('down_revision');
    expect(file([])).toContain(`def upgrade() -> None:\n    op.execute("SET lock_timeout = '5s'")\n\n    pass\n`);
  });

  it('stays valid Python whatever the message, comments and SQL hold', () => {
    const nasty = 'a """ b \\ c \r d \x00 e \u2028 f"';
    const source = file([enabled(`SELECT '${nasty}'`, nasty), enabled(`SELECT 1;\nSELECT '${nasty}\n'`), disabled(`SELECT '${nasty}\n'`, nasty)], {
      message: nasty,
      downgradeNote: nasty,
      downRevisions: [nasty],
    });
    expect(assignedNames(source)).toEqual(['revision', 'down_revision', 'branch_labels', 'depends_on']);
  });

  it('reads back exactly: SQL ending in quotes or a backslash, a docstring with line breaks, quotes and bidi controls', () => {
    const endings = [`SELECT 1;\nSELECT 'a"""'`, `SELECT 1;\nSELECT E'a\\\\'`, `SELECT 1;\nSELECT 'a""""' AS "b"""`];
    const message = 'one\r\ntwo """ \\ \u202e \u2028 "';
    const { doc, executed } = readBack(
      file(
        endings.map((sql) => enabled(sql)),
        { message, downRevisions: ['x"y'] },
      ),
    );
    expect(doc).toBe(`${message}\n\nRevision ID: oss000000009\nRevises: x"y\n`);
    // The file indents the second line with the code: between tokens, where it changes nothing.
    // The lock timeout first (docs/rules/missing-lock-timeout.md), then the steps.
    expect(executed.map((sql) => sql.trim())).toEqual(["SET lock_timeout = '5s'", ...endings.map((sql) => sql.replace('\n', '\n        '))]);
  });

  it('puts new enum values in an autocommit block of their own', () => {
    const source = file([enabled("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'b' AFTER 'a'"), enabled("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'c' AFTER 'b'"), enabled('SELECT 1')]);
    expect(source).toContain(
      `    with op.get_context().autocommit_block():\n        op.execute("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'b' AFTER 'a'")\n        op.execute("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'c' AFTER 'b'")\n\n    op.execute("SELECT 1")`,
    );
  });

  it('builds indexes CONCURRENTLY in an autocommit block, apart from the transactional steps', () => {
    const source = file([enabled('SELECT 1'), enabled('CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON public.t USING btree (a)'), enabled('SELECT 2')]);
    expect(source).toContain(
      `    # Indexes are built CONCURRENTLY, outside a transaction: writes go on meanwhile.\n    with op.get_context().autocommit_block():\n        op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON public.t USING btree (a)")\n\n    op.execute("SELECT 2")`,
    );
  });
});

describe('escapeForSqlalchemyText', () => {
  it('escapes only the colons text() would read, and backslashes it would eat', () => {
    expect(escapeForSqlalchemyText("SELECT ' :x', 'a:b', 1::text, x := 1")).toBe("SELECT ' \\:x', 'a:b', 1::text, x := 1");
    expect(escapeForSqlalchemyText("SELECT 'a\\:b', '\\::'")).toBe("SELECT 'a\\\\:b', '\\::'");
  });
});

describe('migrationFile run by real Alembic', () => {
  let runner: AlembicRunner;
  let root: string;
  beforeAll(async () => {
    runner = await AlembicRunner.start({ python: inject('pythonExecutable'), env: { PATH: process.env.PATH ?? '' }, cwd: tmpdir(), timeoutMs: 60_000 });
    root = await mkdtemp(join(tmpdir(), 'driftbot-test-fixfile-'));
  });
  afterAll(async () => {
    await runner.close();
    await rm(root, { recursive: true, force: true });
  });

  // Values SQLAlchemy's text(), Python's string rules or psycopg's formatting could bend.
  const VALUES = [
    ' :x',
    '{:a}',
    'a\\:b',
    '\\:',
    ':é',
    '::text',
    ' :=x',
    '%s %% 50%',
    '"""',
    'end"',
    'back\\slash',
    '\\x41 \\N{DASH} \\n',
    'line\nbreak',
    'carriage\rreturn',
    'tab\tstop',
    '\u2028separator',
    'x"; DROP TABLE victim; --',
    "it's",
    '$$',
  ];

  it('hands Postgres each statement exactly: values, a function body, and a new enum value used at once', async () => {
    const database = await scratchDatabase('fixfile');
    try {
      const versions = join(root, 'versions');
      await mkdir(versions, { recursive: true });
      const base = migrationFile({
        revision: '0001',
        downRevisions: [],
        message: 'base',
        steps: [enabled("CREATE TYPE mood AS ENUM ('a')"), enabled('CREATE TABLE probe (n serial PRIMARY KEY, v text)')],
        downgradeNote: 'base',
      });
      expect(base).toContain('down_revision = None\n');
      const body = "\n  select 'a :b'\n    -- kept as written\n";
      const steps = [
        ...VALUES.map((v) => enabled(`INSERT INTO probe (v) VALUES (${literal(v)})`)),
        enabled(`CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $function$${body}$function$`),
        enabled("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'b' AFTER 'a'"),
        enabled("CREATE TABLE uses_mood (m mood DEFAULT 'b')"),
        disabled('DROP TABLE probe', 'never run'),
      ];
      await writeFile(join(versions, '0001_base.py'), base);
      await writeFile(join(versions, '0002_fix.py'), migrationFile({ revision: '0002', downRevisions: ['0001'], message: 'fix', steps, downgradeNote: 'none' }));

      const result = await runner.upgrade({ url: database.url, versions, versionTable: 'alembic_version', pythonPaths: [], stubMissingImports: false, root });
      expect(result.failure).toBeNull();
      expect(result.applied.map((a) => a.revision)).toEqual(['0001', '0002']);

      const values = await database.query<{ v: string }>('SELECT v FROM probe ORDER BY n');
      expect(values.rows.map((r) => r.v)).toEqual(VALUES);
      const source = await database.query<{ prosrc: string }>("SELECT prosrc FROM pg_proc WHERE proname = 'f'");
      expect(source.rows[0]!.prosrc).toBe(body);
      const defaults = await database.query<{ d: string }>("SELECT pg_get_expr(adbin, adrelid) AS d FROM pg_attrdef WHERE adrelid = 'uses_mood'::regclass");
      expect(defaults.rows[0]!.d).toBe("'b'::mood");
    } finally {
      await database.drop();
    }
  });
});
