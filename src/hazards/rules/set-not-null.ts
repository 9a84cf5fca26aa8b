import { hazard, onExistingTable, type Rule } from '../rule.js';
import { IDENT, unqualify, type Statement } from '../statement.js';

const SET_NOT_NULL = new RegExp(String.raw`ALTER (?:COLUMN )?(${IDENT}) SET NOT NULL`, 'gi');

/**
 * SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock, unless a validated
 * CHECK (column IS NOT NULL) already proves it (Postgres 12 and later). The safe
 * sequence, in the same revision: ADD CONSTRAINT … CHECK (c IS NOT NULL) NOT VALID,
 * VALIDATE CONSTRAINT …, then SET NOT NULL.
 */
export const setNotNull: Rule = {
  id: 'set-not-null',
  severity: 'warning',
  summary: 'SET NOT NULL on an existing table scans it under an ACCESS EXCLUSIVE lock',
  check(statement, context) {
    if (!/^ALTER TABLE /i.test(statement.sql) || !onExistingTable(statement, context)) return [];
    const table = statement.table;
    return [...statement.sql.matchAll(SET_NOT_NULL)]
      .map((m) => unqualify(m[1]!))
      .filter((column) => !provenNotNull(table, column, context.earlier))
      .flatMap((column) =>
        hazard(
          this,
          `SET NOT NULL on ${table}.${column} scans every row of ${table} while holding an ACCESS EXCLUSIVE lock: add CHECK (${column} IS NOT NULL) NOT VALID and VALIDATE it first`,
        ),
      );
  },
};

/** An earlier CHECK (column IS NOT NULL) NOT VALID on the table, and its VALIDATE. */
function provenNotNull(table: string, column: string, earlier: readonly Statement[]): boolean {
  const names = earlier
    .filter((s) => s.table === table)
    .flatMap((s) => [...s.sql.matchAll(new RegExp(String.raw`ADD CONSTRAINT (${IDENT}) CHECK \(\s*\(?\s*(${IDENT})\s*\)? IS NOT NULL\s*\) NOT VALID`, 'gi'))])
    .filter((m) => unqualify(m[2]!) === column)
    .map((m) => unqualify(m[1]!));
  return names.some((name) =>
    earlier.some((s) => s.table === table && [...s.sql.matchAll(new RegExp(String.raw`VALIDATE CONSTRAINT (${IDENT})`, 'gi'))].some((v) => unqualify(v[1]!) === name)),
  );
}
