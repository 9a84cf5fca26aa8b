import { hazard, onExistingTable, type Rule } from '../rule.js';
import { IDENT, unqualify } from '../statement.js';

/** One ADD COLUMN clause, up to the next top-level action (approximate: a comma inside a type's parentheses ends it early). */
const ADD_COLUMN = new RegExp(String.raw`\bADD (?:COLUMN )?(?:IF NOT EXISTS )?(?!CONSTRAINT\b|PRIMARY\b|UNIQUE\b|FOREIGN\b|CHECK\b|EXCLUDE\b)(${IDENT}) ([^,]*)`, 'gi');

/**
 * A NOT NULL column without a default, added to an existing table: every existing row
 * would hold NULL, so the statement fails on any table that has rows (production's),
 * though it passed on driftbot's empty databases. An identity or generated column
 * fills itself and is not reported.
 */
export const addColumnNotNullWithoutDefault: Rule = {
  id: 'add-column-not-null-without-default',
  severity: 'error',
  summary: 'A NOT NULL column without a default is added to an existing table',
  check(statement, context) {
    if (!/^ALTER TABLE /i.test(statement.sql) || !onExistingTable(statement, context)) return [];
    const table = statement.table;
    return [...statement.sql.matchAll(ADD_COLUMN)]
      .filter((m) => /\bNOT NULL\b/i.test(m[2]!) && !/\b(?:DEFAULT|GENERATED)\b/i.test(m[2]!))
      .flatMap((m) =>
        hazard(
          this,
          `${table}.${unqualify(m[1]!)} is added NOT NULL without a default: on a database where ${table} has rows (production) this fails, though it passed on empty ones`,
        ),
      );
  },
};
