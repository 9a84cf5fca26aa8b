import { hazard, type Rule } from '../rule.js';
import { IDENT, unqualify } from '../statement.js';

const DROP_COLUMN = new RegExp(String.raw`DROP (?:COLUMN )?(?:IF EXISTS )?(?!CONSTRAINT\b)(${IDENT})`, 'gi');

/**
 * A column or table dropped while head's models still map it: the code deployed with
 * (or still running beside) this migration selects it, and fails. Tables and columns
 * are matched by unqualified name (approximate across schemas).
 */
export const dropMappedColumn: Rule = {
  id: 'drop-mapped-column',
  severity: 'error',
  summary: "A column or table head's models still map is dropped",
  check(statement, context) {
    const mapped = context.mapped;
    if (!mapped || statement.table === null) return [];
    const table = statement.table;
    if (/^DROP TABLE /i.test(statement.sql)) {
      return mapped.has(table) ? hazard(this, `table ${table} is dropped, but head's models still map it: code that queries it fails`) : [];
    }
    if (!/^ALTER TABLE /i.test(statement.sql)) return [];
    const columns = mapped.get(table);
    if (!columns) return [];
    return [...statement.sql.matchAll(DROP_COLUMN)]
      .map((m) => unqualify(m[1]!))
      .filter((column) => columns.has(column))
      .flatMap((column) => hazard(this, `${table}.${column} is dropped, but head's models still map it: code that selects it fails`));
  },
};
