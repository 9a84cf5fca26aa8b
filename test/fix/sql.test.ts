/** Identifiers and literals from untrusted names stay identifiers and literals, on a real Postgres. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doBlock, ident, literal, qualifiedIdent } from '../../src/fix/sql.js';
import { canReindent } from '../../src/fix/sql-layout.js';
import { scratchDatabase, type ScratchDatabase } from '../support/postgres.js';

const HOSTILE = ['x"; DROP TABLE victim; --', "it's", 'Order', 'with space', 'back\\slash', "\\'; DROP TABLE victim; --", 'naïve', '$$', 'tab\there', 'line\nbreak'];

describe('quoting', () => {
  it('quotes identifiers only where needed', () => {
    expect(['orders', 'session_streams', '_x1', 'name', 'text'].map(ident)).toEqual(['orders', 'session_streams', '_x1', 'name', 'text']);
    expect(['Order', 'my table', 'a"b', 'user', 'select', 'left', 'time', '1abc', 'a$b', 'café'].map(ident)).toEqual([
      '"Order"',
      '"my table"',
      '"a""b"',
      '"user"',
      '"select"',
      '"left"',
      '"time"',
      '"1abc"',
      '"a$b"',
      '"café"',
    ]);
    expect(qualifiedIdent('public', 't')).toBe('t');
    expect(qualifiedIdent('Audit', 't')).toBe('"Audit".t');
  });

  it('writes literals with doubled quotes, and an escape string when there is a backslash', () => {
    expect(literal("it's")).toBe("'it''s'");
    expect(literal('a\\b')).toBe("E'a\\\\b'");
  });

  it('picks a dollar tag the body does not contain', () => {
    expect(doBlock(['  RAISE NOTICE $$x$$;'])).toBe('DO $driftbot0$\nBEGIN\n  RAISE NOTICE $$x$$;\nEND $driftbot0$');
  });
});

describe('on a real database', () => {
  let database: ScratchDatabase;
  beforeAll(async () => {
    database = await scratchDatabase('fixsql');
    await database.query('CREATE TABLE victim (id int)');
  });
  afterAll(() => database.drop());

  it.each(['on', 'off'])('a literal reads back as its text (standard_conforming_strings %s)', async (setting) => {
    await database.query(`SET standard_conforming_strings = ${setting}`);
    for (const text of HOSTILE) {
      const { rows } = await database.query<{ v: string }>(`SELECT ${literal(text)} AS v`);
      expect(rows[0]!.v).toBe(text);
    }
    await database.query('RESET standard_conforming_strings');
  });

  it('an identifier names exactly that table and column, keywords included', async () => {
    for (const name of [...HOSTILE, 'user', 'select', 'left', 'time', 'order', 'values']) {
      await database.query(`CREATE TABLE ${qualifiedIdent('public', name)} (${ident(name)} int)`);
      const { rows } = await database.query<{ attname: string }>(
        `SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = $1 AND a.attnum > 0`,
        [name],
      );
      expect(rows.map((r) => r.attname)).toEqual([name]);
    }
    const { rows } = await database.query("SELECT 1 FROM pg_class WHERE relname = 'victim'");
    expect(rows).toHaveLength(1);
  });

  it("quotes exactly as Postgres's quote_ident, every keyword of this server included", async () => {
    // format_type prints with the same rule: the type guards compare the two strings.
    const { rows: keywords } = await database.query<{ word: string }>('SELECT word FROM pg_get_keywords()');
    expect(keywords.length).toBeGreaterThan(400);
    const names = [...keywords.map((k) => k.word), ...HOSTILE, 'a$b', '$a', '_', 'a1', '1a', 'Ab', 'ab ', 'x\u2028y', 'é', ''];
    const { rows } = await database.query<{ quoted: string[] }>('SELECT array_agg(quote_ident(n) ORDER BY i) AS quoted FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)', [
      names,
    ]);
    expect(names.map(ident)).toEqual(rows[0]!.quoted);
  });

  it('a DO block runs a body that holds dollar quotes', async () => {
    await database.query(doBlock([`  CREATE TABLE ${ident('$$_do')} (v text DEFAULT $$a$$);`]));
    const { rows } = await database.query("SELECT 1 FROM pg_class WHERE relname = '$$_do'");
    expect(rows).toHaveLength(1);
  });
});

describe('canReindent', () => {
  it('allows line breaks between tokens, in comments, and in a DO body’s code', () => {
    expect(canReindent('ALTER TABLE t\n  ADD COLUMN a int')).toBe(true);
    expect(canReindent('SELECT 1 -- it\'s\n, 2 /* a\n "b */')).toBe(true);
    expect(canReindent("DO $$\nBEGIN\n  IF 'a' = 'a' THEN\n    NULL;\n  END IF;\nEND $$")).toBe(true);
    expect(canReindent("SELECT E'it\\'s'\n, 'x'")).toBe(true);
  });

  it('refuses a line break inside a literal, a quoted name, or a function body', () => {
    expect(canReindent("SELECT 'a\nb'")).toBe(false);
    expect(canReindent('SELECT 1 AS "a\nb"')).toBe(false);
    expect(canReindent('CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $function$\nselect 1\n$function$')).toBe(false);
    expect(canReindent("DO $$\nBEGIN\n  RAISE NOTICE 'a\nb';\nEND $$")).toBe(false);
    expect(canReindent('DO $$\nBEGIN\n  EXECUTE $q$SELECT\n1$q$;\nEND $$')).toBe(false);
    expect(canReindent("SELECT E'it\\'s\n'")).toBe(false);
    expect(canReindent("SELECT 'unterminated\n")).toBe(false);
  });
});
