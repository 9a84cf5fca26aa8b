import { hazard, onExistingTable, type Rule } from '../rule.js';
import { IDENT, unqualify } from '../statement.js';

const ALTER_TYPE = new RegExp(String.raw`ALTER (?:COLUMN )?(${IDENT}) (?:SET DATA )?TYPE `, 'gi');
/** A column added with a default Postgres must compute per row: the volatile functions migrations use (a list, so approximate), or a serial. */
const ADD_VOLATILE = new RegExp(
  String.raw`ADD (?:COLUMN )?(?:IF NOT EXISTS )?(${IDENT}) (?:[^,]*\bDEFAULT (?:[\w.]*\.)?(?:random|gen_random_uuid|uuid_generate_v[14]|clock_timestamp|timeofday|nextval)\s*\(|(?:small|big)?serial\b)`,
  'gi',
);

/**
 * A column's type changed on an existing table: Postgres rewrites the table and its
 * indexes under an ACCESS EXCLUSIVE lock. Approximate: a binary-compatible change (a
 * longer varchar, varchar → text) does not rewrite, and is reported all the same. A
 * column added with a volatile default (gen_random_uuid(), a serial) is written into
 * every row too; a constant default is not (since Postgres 11: every major driftbot
 * builds on, 14 to 17, so no rule depends on the version).
 */
export const tableRewrite: Rule = {
  id: 'table-rewrite',
  severity: 'warning',
  summary: 'A statement rewrites an existing table under an ACCESS EXCLUSIVE lock',
  check(statement, context) {
    if (!/^ALTER TABLE /i.test(statement.sql) || !onExistingTable(statement, context)) return [];
    const table = statement.table;
    const changed = [...statement.sql.matchAll(ALTER_TYPE)].map((m) => unqualify(m[1]!));
    const filled = [...statement.sql.matchAll(ADD_VOLATILE)].map((m) => unqualify(m[1]!));
    return [
      ...changed.flatMap((column) =>
        hazard(
          this,
          `changing the type of ${table}.${column} rewrites the whole table and its indexes while holding an ACCESS EXCLUSIVE lock: reads and writes of ${table} wait until it ends (unless the new type is binary-compatible)`,
        ),
      ),
      ...filled.flatMap((column) =>
        hazard(this, `adding ${table}.${column} with a default computed per row (a volatile function or a serial) rewrites the whole table while holding an ACCESS EXCLUSIVE lock`),
      ),
    ];
  },
};
