/**
 * The fix as a list of idempotent steps that bring every current database (fresh,
 * upgraded) to the target schema: a no-op where a database already matches, the
 * repair where it does not. Each kind (schema/kinds/) plans its own steps; this orders them
 * so that what others depend on comes first and removals come last.
 */
import type { FixStep } from '../report/report.js';
import type { Schema } from '../schema/schema.js';
import { ALL_KINDS } from '../schema/kinds/index.js';
import { PLANNERS } from './planners.js';
import { phaseOrder, type PlannedStep } from './step.js';

export function planFix(target: Schema, current: Schema[]): FixStep[] {
  const planned = ALL_KINDS.flatMap((kind) => PLANNERS[kind.family].plan(target, current).map((step) => ({ step, created: phaseOrder(PLANNERS[kind.family].phase) })));
  const steps = followTableCreation(planned.map((p) => p.step));
  // A stable sort keeps each kind's own order within a phase. Removals, were they
  // enabled, would undo creations in reverse: a view before the function it calls, a
  // table before its type (and a column before its table, as the tables kind plans them).
  const removalOrder = (i: number) => (steps[i]!.phase === 'removal' ? -planned[i]!.created : 0);
  return steps
    .map((step, i) => ({ step, i }))
    .sort((a, b) => phaseOrder(a.step.phase) - phaseOrder(b.step.phase) || removalOrder(a.i) - removalOrder(b.i) || a.i - b.i)
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
