/**
 * Steps for primary key, unique, check, foreign key and exclusion constraints: added
 * where missing, replaced where changed in place, dropped where only old installs
 * have them (a constraint holds no data).
 *
 * One changed in place is dropped where it differs in the `obsolete` phase, with the
 * old-only ones and before column types change (its old version may not hold the new
 * type: a check on `status ->> 'code'` when status is now varchar), and added where
 * missing in its own phase, after them.
 */
import type { Constraint, Schema } from '../schema/schema.js';
import { constraintKey } from '../schema/kinds/constraints.js';
import { compareObjects, onKeptTables, present } from './compare.js';
import { castEachElement } from '../schema/array-casts.js';
import { distinctFromEach, doBlock, ident, literal, qualifiedIdent } from './sql.js';
import { onTable, step, type PlannedStep } from './step.js';

export function constraintSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(
    target.constraints,
    current.map((s) => s.constraints),
    constraintKey,
  );
  const drops: { key: string; constraint: Constraint; step: PlannedStep }[] = [];
  for (const { key, target: constraint, versions } of wanted) {
    const missing = versions.includes(undefined);
    const changed = present(versions).some((v) => castEachElement(v.definition) !== castEachElement(constraint.definition));
    if (!missing && !changed) continue;
    if (changed) drops.push({ key, constraint, step: step('obsolete', key, dropWhereDifferent(constraint), replacedComments(constraint)) });
    steps.push(...onTable({ schema: constraint.schema, name: constraint.table }, [addWhereMissing(constraint, key, changed), ...validation(constraint, key)]));
  }
  for (const { key, object: constraint } of onKeptTables(target, extra)) {
    const table = qualifiedIdent(constraint.schema, constraint.table);
    drops.push({
      key,
      constraint,
      step: step('obsolete', key, `ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${ident(constraint.name)}`, [
        `${constraint.name} exists only on databases upgraded from older revisions.`,
      ]),
    });
  }
  // Foreign keys first: a primary key or unique constraint cannot go while one refers to it.
  drops.sort((a, b) => Number(b.constraint.type === 'foreign key') - Number(a.constraint.type === 'foreign key'));
  return [...drops.flatMap(({ constraint, step }) => onTable({ schema: constraint.schema, name: constraint.table }, [step])), ...steps];
}

/**
 * Foreign keys and checks are added NOT VALID and validated in a step of their own: the
 * add takes its lock only for a moment, and the validation scans the rows under a lock
 * that lets reads and writes go on (the `constraint-not-valid` hazard rule).
 */
function addedNotValid(constraint: Constraint): boolean {
  return (constraint.type === 'foreign key' || constraint.type === 'check') && !/\bNOT VALID$/.test(constraint.definition);
}

function validation(constraint: Constraint, entryKey: string): PlannedStep[] {
  if (!addedNotValid(constraint)) return [];
  const table = qualifiedIdent(constraint.schema, constraint.table);
  // Validating a constraint that is valid already does nothing: the step is idempotent.
  return [
    step(constraint.type === 'foreign key' ? 'foreignKey' : 'constraint', entryKey, `ALTER TABLE ${table} VALIDATE CONSTRAINT ${ident(constraint.name)}`, [
      `Checks the existing rows against ${constraint.name} without blocking writes; it fails where a row violates it.`,
    ]),
  ];
}

function find(constraint: Constraint): string {
  return `FROM pg_constraint WHERE conrelid = ${literal(qualifiedIdent(constraint.schema, constraint.table))}::regclass AND conname = ${literal(constraint.name)}`;
}

/** Dropped only where it exists with a definition that is not the target's. */
function dropWhereDifferent(constraint: Constraint): string {
  return doBlock([
    `  IF ${distinctFromEach(`(SELECT pg_get_constraintdef(oid, true) ${find(constraint)})`, [constraint.definition, castEachElement(constraint.definition)])} THEN`,
    `    ALTER TABLE ${qualifiedIdent(constraint.schema, constraint.table)} DROP CONSTRAINT IF EXISTS ${ident(constraint.name)};`,
    '  END IF;',
  ]);
}

function replacedComments(constraint: Constraint): string[] {
  const comments = [`${constraint.name} was changed in place: dropped where its definition differs, added again below.`];
  if (constraint.type === 'primary key' || constraint.type === 'unique') {
    comments.push('Dropping it fails while a foreign key refers to it: drop that key before this step and add it again after, if so.');
  }
  return comments;
}

function addWhereMissing(constraint: Constraint, entryKey: string, changed: boolean): PlannedStep {
  const table = qualifiedIdent(constraint.schema, constraint.table);
  const add = `ALTER TABLE ${table} ADD CONSTRAINT ${ident(constraint.name)} ${constraint.definition}${addedNotValid(constraint) ? ' NOT VALID' : ''};`;
  const comments = [
    ...(changed ? [`${constraint.name} was changed in place: added again where the step above dropped it.`] : []),
    `Adding ${constraint.name} fails where existing rows violate it: check them first.`,
  ];
  return step(
    constraint.type === 'foreign key' ? 'foreignKey' : 'constraint',
    entryKey,
    doBlock([`  IF NOT EXISTS (SELECT 1 ${find(constraint)}) THEN`, `    ${add}`, '  END IF;']),
    comments,
  );
}
