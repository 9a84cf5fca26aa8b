import { hazard, onExistingTable, type Rule } from '../rule.js';

/**
 * CREATE INDEX without CONCURRENTLY holds a SHARE lock on the table for the whole
 * build: every write to it waits. (CONCURRENTLY cannot run inside a transaction: in
 * Alembic it goes in `op.get_context().autocommit_block()`.)
 */
export const indexNotConcurrent: Rule = {
  id: 'index-not-concurrent',
  severity: 'warning',
  summary: 'CREATE INDEX without CONCURRENTLY on an existing table blocks its writes',
  check(statement, context) {
    if (!/^CREATE (?:UNIQUE )?INDEX /i.test(statement.sql) || /^CREATE (?:UNIQUE )?INDEX CONCURRENTLY /i.test(statement.sql)) return [];
    if (!onExistingTable(statement, context)) return [];
    return hazard(this, `CREATE INDEX on ${statement.table} without CONCURRENTLY blocks every write to ${statement.table} until the index is built`);
  },
};
