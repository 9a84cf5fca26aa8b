import { hazard, onExistingTable, type Rule } from '../rule.js';

/** One ADD … FOREIGN KEY / CHECK clause, up to the next top-level ADD (approximate). */
const ADD_CONSTRAINT = /\bADD (?:CONSTRAINT (?:"(?:[^"]|"")+"|[\w$]+) )?(FOREIGN KEY|CHECK)\b(.*?)(?=, ADD\b|$)/gi;

/**
 * A foreign key or check added to an existing table without NOT VALID checks every row
 * while holding its lock (and, for a foreign key, a lock on the referenced table too).
 * Adding it NOT VALID, then VALIDATE CONSTRAINT in a later statement, checks the rows
 * under a lock that lets reads and writes go on.
 */
export const constraintNotValid: Rule = {
  id: 'constraint-not-valid',
  severity: 'warning',
  summary: 'A foreign key or check is added to an existing table without NOT VALID',
  check(statement, context) {
    if (!/^ALTER TABLE /i.test(statement.sql) || !onExistingTable(statement, context)) return [];
    const table = statement.table;
    return [...statement.sql.matchAll(ADD_CONSTRAINT)]
      .filter((m) => !/\bNOT VALID\b/i.test(m[2]!))
      .flatMap((m) =>
        hazard(
          this,
          `${m[1]!.toUpperCase()} added to ${table} without NOT VALID checks every existing row while writes to ${table} wait: add it NOT VALID, then VALIDATE CONSTRAINT`,
        ),
      );
  },
};
