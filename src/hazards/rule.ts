/**
 * What a hazard rule is: a pure function from one statement, and what is known around
 * it, to zero or more hazards. Rules never read files or databases.
 */
import type { Statement } from './statement.js';

export type Severity = 'error' | 'warning';

export interface RuleContext {
  /** Tables this pull request's revisions created before this statement (unqualified): not yet in production, nothing to lock. */
  newTables: ReadonlySet<string>;
  /** Statements this revision executed before this one. */
  earlier: readonly Statement[];
  /** Table → columns head's models map (unqualified); null when there are no models. */
  mapped: ReadonlyMap<string, ReadonlySet<string>> | null;
}

export interface RuleHazard {
  rule: string;
  severity: Severity;
  message: string;
}

export interface Rule {
  id: string;
  severity: Severity;
  /** One line, for SARIF's rule list and the docs. */
  summary: string;
  check(statement: Statement, context: RuleContext): RuleHazard[];
}

/** The table exists on base: production has it, with rows and readers. */
export function onExistingTable(statement: Statement, context: RuleContext): statement is Statement & { table: string } {
  return statement.table !== null && !context.newTables.has(statement.table);
}

export function hazard(rule: Pick<Rule, 'id' | 'severity'>, message: string): RuleHazard[] {
  return [{ rule: rule.id, severity: rule.severity, message }];
}
