/**
 * The fix as a list of idempotent steps that bring every current database (fresh,
 * upgraded) to the target schema: a no-op where a database already matches, the
 * repair where it does not. Each object family plans its own steps; this orders them
 * so that what others depend on comes first and removals come last.
 */
import type { FixStep } from '../analysis/report.js';
import type { Schema } from '../schema/schema.js';
import { constraintSteps } from './constraints.js';
import { enumSteps } from './enums.js';
import { functionSteps } from './functions.js';
import { indexSteps } from './indexes.js';
import { extensionSteps, namespaceSteps } from './namespaces.js';
import { sequenceSteps } from './sequences.js';
import { phaseOrder, type PlannedStep } from './step.js';
import { tableSteps } from './tables.js';
import { triggerSteps } from './triggers.js';
import { viewSteps } from './views.js';

const FAMILIES = [namespaceSteps, extensionSteps, enumSteps, sequenceSteps, tableSteps, constraintSteps, indexSteps, functionSteps, viewSteps, triggerSteps];

export function planFix(target: Schema, current: Schema[]): FixStep[] {
  const planned = followTableCreation(FAMILIES.flatMap((plan) => plan(target, current)));
  // A stable sort keeps each family's own order within a phase.
  return planned
    .map((step, i) => ({ step, i }))
    .sort((a, b) => phaseOrder(a.step.phase) - phaseOrder(b.step.phase) || removalOrder(a.step) - removalOrder(b.step) || a.i - b.i)
    .map(({ step: { phase: _phase, table: _table, ...fixStep } }) => fixStep);
}

/**
 * A table whose creation is disabled (a partitioned one: its key is not known) does
 * not exist where it is missing: every step on it is disabled with it.
 */
function followTableCreation(steps: PlannedStep[]): PlannedStep[] {
  const notCreated = new Set(steps.filter((s) => s.phase === 'table' && s.disabled).map((s) => s.table));
  return steps.map((s) =>
    s.disabled || s.table === undefined || !notCreated.has(s.table)
      ? s
      : { ...s, disabled: true, comments: [...s.comments, `Waits for table ${s.table}, whose creation is disabled above.`] },
  );
}

/** Removals, were they enabled, would run dependents first: a view before its table, a table before its type. */
const REMOVAL_ORDER = ['view', 'function', 'column', 'table', 'sequence', 'enum', 'extension', 'schema'];

function removalOrder(step: PlannedStep): number {
  return step.phase === 'removal' ? REMOVAL_ORDER.indexOf(step.entryKey.slice(0, step.entryKey.indexOf(':'))) : 0;
}
