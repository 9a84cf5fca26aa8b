/**
 * Each kind's fix planner and the phase its objects are created in, by schema family.
 * The type is exhaustive: a kind in the schema registry (schema/kinds/index.ts) without a
 * planner here does not compile.
 */
import type { Family } from '../schema/kinds/kind.js';
import type { Schema } from '../schema/schema.js';
import type { Phase, PlannedStep } from './step.js';
import { commentSteps } from './comments.js';
import { constraintSteps } from './constraints.js';
import { enumSteps } from './enums.js';
import { functionSteps } from './functions.js';
import { indexSteps } from './indexes.js';
import { extensionSteps, namespaceSteps } from './namespaces.js';
import { policySteps } from './policies.js';
import { rowSecuritySteps } from './row-security.js';
import { sequenceSteps } from './sequences.js';
import { tableSteps } from './tables.js';
import { triggerSteps } from './triggers.js';
import { viewSteps } from './views.js';

export interface Planner {
  /** Steps that bring every current database to the target's objects of this kind. */
  plan(target: Schema, current: Schema[]): PlannedStep[];
  /**
   * Where in the fix its objects are created (step.ts has the one ordered list). Its
   * steps may use later phases too (a column's type, a foreign key); its removals run
   * in the reverse of this order, dependents first.
   */
  phase: Phase;
}

export const PLANNERS: Record<Family, Planner> = {
  comments: { plan: commentSteps, phase: 'comment' },
  constraints: { plan: constraintSteps, phase: 'constraint' },
  enums: { plan: enumSteps, phase: 'enum' },
  extensions: { plan: extensionSteps, phase: 'extension' },
  functions: { plan: functionSteps, phase: 'function' },
  indexes: { plan: indexSteps, phase: 'index' },
  policies: { plan: policySteps, phase: 'policy' },
  rowSecurity: { plan: rowSecuritySteps, phase: 'rowSecurity' },
  schemas: { plan: namespaceSteps, phase: 'schema' },
  sequences: { plan: sequenceSteps, phase: 'sequence' },
  tables: { plan: tableSteps, phase: 'table' },
  triggers: { plan: triggerSteps, phase: 'trigger' },
  views: { plan: viewSteps, phase: 'view' },
};
