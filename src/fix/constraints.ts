/**
 * Steps for primary key, unique, check, foreign key and exclusion constraints: added
 * where missing, replaced where changed in place, dropped where only old installs
 * have them (a constraint holds no data).
 */
import type { Constraint, Schema } from '../schema/schema.js';
import { constraintKey } from '../schema/kinds/constraints.js';
import { compareObjects, onKeptTables, present } from './compare.js';
import { doBlock, ident, literal, qualifiedIdent } from './sql.js';
import { onTable, step, type PlannedStep } from './step.js';

export function constraintSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(
    target.constraints,
    current.map((s) => s.constraints),
    constraintKey,
  );
  for (const { key, target: constraint, versions } of wanted) {
    const missing = versions.includes(undefined);
    const changed = present(versions).some((v) => v.definition !== constraint.definition);
    if (!missing && !changed) continue;
    steps.push(...onTable({ schema: constraint.schema, name: constraint.table }, [addOrReplace(constraint, changed, key), ...validation(constraint, key)]));
  }
  // Foreign keys first: a primary key or unique constraint cannot go while one refers to it.
  const obsolete = onKeptTables(target, extra).sort((a, b) => Number(b.object.type === 'foreign key') - Number(a.object.type === 'foreign key'));
  for (const { key, object: constraint } of obsolete) {
    const table = qualifiedIdent(constraint.schema, constraint.table);
    steps.push(
      ...onTable({ schema: constraint.schema, name: constraint.table }, [
        step('obsolete', key, `ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${ident(constraint.name)}`, [
          `${constraint.name} exists only on databases upgraded from older revisions.`,
        ]),
      ]),
    );
  }
  return steps;
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

function addOrReplace(constraint: Constraint, changed: boolean, entryKey: string): PlannedStep {
  const table = qualifiedIdent(constraint.schema, constraint.table);
  const name = ident(constraint.name);
  const add = `ALTER TABLE ${table} ADD CONSTRAINT ${name} ${constraint.definition}${addedNotValid(constraint) ? ' NOT VALID' : ''};`;
  const find = `FROM pg_constraint WHERE conrelid = ${literal(table)}::regclass AND conname = ${literal(constraint.name)}`;
  const lines = [`  IF NOT EXISTS (SELECT 1 ${find}) THEN`, `    ${add}`];
  if (changed) {
    lines.push(
      `  ELSIF (SELECT pg_get_constraintdef(oid, true) ${find}) IS DISTINCT FROM ${literal(constraint.definition)} THEN`,
      `    ALTER TABLE ${table} DROP CONSTRAINT ${name};`,
      `    ${add}`,
    );
  }
  lines.push('  END IF;');
  const comments: string[] = [];
  if (changed) comments.push(`${constraint.name} was changed in place: replaced where its definition differs.`);
  if (changed && (constraint.type === 'primary key' || constraint.type === 'unique')) {
    comments.push('Dropping it fails while a foreign key refers to it: drop and re-add that key around this step if so.');
  }
  comments.push(`Adding ${constraint.name} fails where existing rows violate it: check them first.`);
  return step(constraint.type === 'foreign key' ? 'foreignKey' : 'constraint', entryKey, doBlock(lines), comments);
}
