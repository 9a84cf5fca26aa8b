import type { FixStep } from '../report/report.js';

/**
 * The order steps run in: what others depend on first, what depends on them later,
 * destructive removals (always disabled) last. Each family files its steps under one
 * of these phases; `planFix` sorts by phase and keeps each family's own order within it.
 */
const ORDER = [
  'schema',
  'extension',
  'enum',
  'enumValue',
  'sequence',
  'table',
  'column',
  // Old-only constraints and indexes go before type changes, which would otherwise
  // rebuild them for the new type (a GIN index on jsonb cannot hold varchar), and
  // before new constraints, which may reuse their names (a primary key renamed). So do
  // the old versions of those changed in place (an index on `status ->> 'code'` when
  // status becomes varchar), and policies and triggers on a column whose type changes.
  'obsolete',
  'columnType',
  // Functions need types, tables and columns (SQL-language bodies are checked when
  // created); defaults, checks and index expressions may call them.
  'function',
  'columnIdentityDrop',
  'columnDefault',
  'columnNullability',
  // An identity needs NOT NULL first.
  'columnIdentityAdd',
  'sequenceOwner',
  'constraint',
  'foreignKey',
  'index',
  'view',
  // Indexes on materialized views need the view.
  'viewIndex',
  // Policies may read columns, functions and views; row security may need its policies.
  'policy',
  'rowSecurity',
  'trigger',
  'comment',
  'removal',
] as const;

export type Phase = (typeof ORDER)[number];

export function phaseOrder(phase: Phase): number {
  return ORDER.indexOf(phase);
}

export interface PlannedStep extends FixStep {
  phase: Phase;
  /** `schema.table` of the table the step works on, when it works on one. */
  table?: string;
}

export function step(phase: Phase, entryKey: string, sql: string, comments: string[] = []): PlannedStep {
  return { phase, entryKey, sql, comments, disabled: false };
}

/**
 * A step written commented out, never applied: destructive, narrowing or beyond what
 * can be done safely. The reason says why, and what to check before enabling it.
 */
export function disabledStep(phase: Phase, entryKey: string, sql: string, reason: string): PlannedStep {
  return { phase, entryKey, sql, comments: [reason], disabled: true };
}

/** Marks steps as working on a table, so they can follow that table's fate. */
export function onTable(table: { schema: string; name: string }, steps: PlannedStep[]): PlannedStep[] {
  return steps.map((s) => ({ ...s, table: `${table.schema}.${table.name}` }));
}
