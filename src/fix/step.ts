import type { FixStep } from '../analysis/report.js';

/**
 * The order steps run in: what others depend on first (schemas, types, tables),
 * what depends on them later (constraints, indexes, views, triggers), removals last.
 */
export const Phase = {
  schema: 0,
  extension: 1,
  enum: 2,
  enumValue: 3,
  sequence: 4,
  table: 5,
  column: 6,
  columnType: 7,
  columnDefault: 8,
  columnNullability: 9,
  constraint: 10,
  foreignKey: 11,
  index: 12,
  function: 13,
  view: 14,
  trigger: 15,
  removal: 16,
} as const;

export interface PlannedStep extends FixStep {
  phase: number;
}

export function step(phase: number, entryKey: string, sql: string, comments: string[] = []): PlannedStep {
  return { phase, entryKey, sql, comments, disabled: false };
}

/** A step that is written commented out, never applied: destructive or narrowing. */
export function disabledStep(phase: number, entryKey: string, sql: string, reason: string): PlannedStep {
  return { phase, entryKey, sql, comments: [reason], disabled: true };
}
