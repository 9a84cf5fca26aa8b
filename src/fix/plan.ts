/**
 * The fix as a list of idempotent steps that bring every current database (fresh,
 * upgraded) to the target schema: a no-op where a database already matches, the repair
 * where it does not. Each object family plans its own steps; this orders them so that
 * what others depend on comes first and removals come last.
 */
import type { FixStep } from '../analysis/report.js';
import type { Schema } from '../schema/schema.js';
import { constraintSteps, indexSteps } from './constraints.js';
import { namespaceSteps } from './namespaces.js';
import { functionSteps, triggerSteps, viewSteps } from './routines.js';
import { tableSteps } from './tables.js';
import { enumSteps, sequenceSteps } from './types.js';

const PLANNERS = [namespaceSteps, enumSteps, sequenceSteps, tableSteps, constraintSteps, indexSteps, functionSteps, viewSteps, triggerSteps];

export function planFix(target: Schema, current: Schema[]): FixStep[] {
  const planned = PLANNERS.flatMap((plan) => plan(target, current));
  // A stable sort keeps each family's own order within a phase.
  return planned
    .map((step, i) => ({ step, i }))
    .sort((a, b) => a.step.phase - b.step.phase || a.i - b.i)
    .map(({ step: { phase: _phase, ...fixStep } }) => fixStep);
}
