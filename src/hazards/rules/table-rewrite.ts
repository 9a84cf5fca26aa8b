import { hazard, onExistingTable, type Rule } from '../rule.js';
import { IDENT, unqualify } from '../statement.js';

const ALTER_TYPE = new RegExp(String.raw`ALTER (?:COLUMN )?(${IDENT}) (?:SET DATA )?TYPE `, 'gi');
const ADD_WITH_DEFAULT = new RegExp(String.raw`ADD (?:COLUMN )?(?:IF NOT EXISTS )?(${IDENT}) [^,]*\bDEFAULT\b`, 'gi');

/**
 * A column's type changed on an existing table: Postgres rewrites the table and its
 * indexes under an ACCESS EXCLUSIVE lock. Approximate: a binary-compatible change (a
 * longer varchar, varchar → text) does not rewrite, and is reported all the same.
 * Before Postgres 11, adding a column with a default rewrote the table too.
 */
export const tableRewrite: Rule = {
  id: 'table-rewrite',
  severity: 'warning',
  summary: 'A statement rewrites an existing table under an ACCESS EXCLUSIVE lock',
  check(statement, context) {
    if (!/^ALTER TABLE /i.test(statement.sql) || !onExistingTable(statement, context)) return [];
    const table = statement.table;
    const changed = [...statement.sql.matchAll(ALTER_TYPE)].map((m) => unqualify(m[1]!));
    const defaulted = context.postgresMajor !== null && context.postgresMajor < 11 ? [...statement.sql.matchAll(ADD_WITH_DEFAULT)].map((m) => unqualify(m[1]!)) : [];
    return [
      ...changed.flatMap((column) => hazard(this, `changing the type of ${table}.${column} rewrites the whole table and its indexes while holding an ACCESS EXCLUSIVE lock: reads and writes of ${table} wait until it ends (unless the new type is binary-compatible)`)),
      ...defaulted.flatMap((column) => hazard(this, `before Postgres 11, adding ${table}.${column} with a default rewrites the whole table under an ACCESS EXCLUSIVE lock`)),
    ];
  },
};
