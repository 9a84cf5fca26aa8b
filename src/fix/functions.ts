/** Steps for functions and procedures: `CREATE OR REPLACE` from the target's own definition. */
import type { Schema } from '../schema/schema.js';
import { functionKey } from '../schema/kinds/functions.js';
import { compareObjects, present } from './compare.js';
import { qualifiedIdent } from './sql.js';
import { disabledStep, step, type PlannedStep } from './step.js';

export function functionSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(
    target.functions,
    current.map((s) => s.functions),
    functionKey,
  );
  for (const { key, target: fn, versions } of wanted) {
    const changed = present(versions).some((v) => v.statement !== fn.statement);
    if (!changed && !versions.includes(undefined)) continue;
    const comments = changed ? [`${fn.name} was changed in place. CREATE OR REPLACE fails where its return type changed: drop it there first.`] : [];
    steps.push(step('function', key, fn.statement.trim(), comments));
  }
  for (const { key, object: fn } of extra) {
    steps.push(
      disabledStep(
        'removal',
        key,
        `DROP ROUTINE IF EXISTS ${qualifiedIdent(fn.schema, fn.name)}(${fn.identityArguments})`,
        `${fn.name} exists only on databases upgraded from older revisions: drop it once no trigger, view or code calls it.`,
      ),
    );
  }
  return steps;
}
