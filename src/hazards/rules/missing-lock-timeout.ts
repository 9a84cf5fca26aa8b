import { hazard, onExistingTable, type Rule } from '../rule.js';
import type { Statement } from '../statement.js';

/**
 * ALTER TABLE waits for an ACCESS EXCLUSIVE lock behind any long transaction, and every
 * query on the table queues behind it: a few seconds of lock_timeout turns that outage
 * into a failed, retryable deploy. Reported once per revision, at its first ALTER TABLE
 * of an existing table, when nothing before it set lock_timeout (a table created in
 * the same pull request has no readers to block).
 */
export const missingLockTimeout: Rule = {
  id: 'missing-lock-timeout',
  severity: 'warning',
  summary: 'ALTER TABLE on an existing table without a lock_timeout set before it',
  check(statement, context) {
    if (!isAlterOfExisting(statement, context.newTables) || !onExistingTable(statement, context)) return [];
    if (context.earlier.some(setsLockTimeout)) return [];
    if (context.earlier.some((s) => isAlterOfExisting(s, context.newTables))) return [];
    return hazard(
      this,
      `ALTER TABLE ${statement.table} runs without a lock_timeout: while it waits for its lock, every query on ${statement.table} waits behind it. Start the revision with op.execute("SET lock_timeout = '5s'")`,
    );
  },
};

function isAlterOfExisting(statement: Statement, newTables: ReadonlySet<string>): boolean {
  return /^ALTER TABLE /i.test(statement.sql) && statement.table !== null && !newTables.has(statement.table);
}

function setsLockTimeout(statement: Statement): boolean {
  return /^SET (?:LOCAL |SESSION )?lock_timeout\b/i.test(statement.sql) || /\bset_config\s*\(\s*'lock_timeout'/i.test(statement.sql);
}
