/**
 * Just enough of a SQL statement for the hazard rules: its text normalized (comments
 * stripped, whitespace collapsed) and, for the statements the rules look at, the table
 * it acts on. This is regex matching, not a SQL parser: it reads what Alembic and
 * SQLAlchemy emit (one statement per execute, identifiers plain or double-quoted) and
 * may misread hand-written SQL with comments or quotes inside string literals.
 */

export interface Statement {
  /** As the runner recorded it. */
  raw: string;
  /** Comments stripped, whitespace collapsed, trimmed, no trailing semicolon. */
  sql: string;
  /** `ALTER TABLE t` / `CREATE INDEX … ON t` / `CREATE TABLE t` / `DROP TABLE t`: t, unqualified and unquoted. */
  table: string | null;
}

export function parseStatement(raw: string): Statement {
  const sql = normalize(raw);
  return { raw, sql, table: tableOf(sql) };
}

export function normalize(raw: string): string {
  return raw
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/;$/, '')
    .trim();
}

/** An identifier as SQL writes it: `name`, `"Name"`, optionally schema-qualified. */
export const IDENT = String.raw`(?:"(?:[^"]|"")+"|[\w$]+)(?:\.(?:"(?:[^"]|"")+"|[\w$]+))?`;

/** The last part of a possibly qualified, possibly quoted name, as Postgres stores it. */
export function unqualify(name: string): string {
  const parts = name.match(/"(?:[^"]|"")+"|[^.]+/g) ?? [name];
  const last = parts[parts.length - 1]!;
  return last.startsWith('"') ? last.slice(1, -1).replace(/""/g, '"') : last.toLowerCase();
}

const TABLE_PATTERNS = [
  new RegExp(String.raw`^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?(${IDENT})`, 'i'),
  new RegExp(String.raw`^CREATE (?:UNIQUE )?INDEX (?:CONCURRENTLY )?(?:IF NOT EXISTS )?(?:${IDENT} )?ON (?:ONLY )?(${IDENT})`, 'i'),
  new RegExp(String.raw`^CREATE (?:(?:GLOBAL |LOCAL )?(?:TEMPORARY |TEMP )|UNLOGGED )?TABLE (?:IF NOT EXISTS )?(${IDENT})`, 'i'),
  new RegExp(String.raw`^DROP TABLE (?:IF EXISTS )?(${IDENT})`, 'i'),
];

function tableOf(sql: string): string | null {
  for (const pattern of TABLE_PATTERNS) {
    const match = pattern.exec(sql);
    if (match) return unqualify(match[1]!);
  }
  return null;
}

export function isCreateTable(statement: Statement): boolean {
  return /^CREATE (?:(?:GLOBAL |LOCAL )?(?:TEMPORARY |TEMP )|UNLOGGED )?TABLE /i.test(statement.sql);
}
