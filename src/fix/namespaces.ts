/** Steps for schemas (namespaces) and extensions. */
import type { Schema } from '../schema/schema.js';
import { ident } from './sql.js';
import { Phase, disabledStep, step, type PlannedStep } from './step.js';

export function namespaceSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  for (const name of target.schemas) {
    if (current.some((schema) => !schema.schemas.includes(name))) steps.push(step(Phase.schema, `schema:${name}`, `CREATE SCHEMA IF NOT EXISTS ${ident(name)}`));
  }
  for (const name of new Set(current.flatMap((schema) => schema.schemas))) {
    if (!target.schemas.includes(name)) steps.push(disabledStep(Phase.removal, `schema:${name}`, `DROP SCHEMA IF EXISTS ${ident(name)}`, `schema ${name} exists only on upgraded databases; drop it once it is empty.`));
  }
  for (const extension of target.extensions) {
    if (current.some((schema) => !schema.extensions.some((e) => e.name === extension.name))) {
      steps.push(step(Phase.extension, `extension:${extension.name}`, `CREATE EXTENSION IF NOT EXISTS ${ident(extension.name)} WITH SCHEMA ${ident(extension.schema)}`));
    }
  }
  for (const name of new Set(current.flatMap((schema) => schema.extensions.map((e) => e.name)))) {
    if (!target.extensions.some((e) => e.name === name)) {
      steps.push(disabledStep(Phase.removal, `extension:${name}`, `DROP EXTENSION IF EXISTS ${ident(name)}`, `extension ${name} exists only on upgraded databases.`));
    }
  }
  return steps;
}
