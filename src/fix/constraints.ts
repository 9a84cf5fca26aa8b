/** Steps for constraints and indexes: add what is missing, replace what changed in place. */
import type { Constraint, Index, Schema } from '../schema/schema.js';
import { doBlock, ident, literal, qualifiedIdent } from './sql.js';
import { Phase, step, type PlannedStep } from './step.js';

export function constraintSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const keyOf = (c: Constraint) => `${c.schema}.${c.table}.${c.name}`;
  const currentConstraints = current.map((schema) => new Map(schema.constraints.map((c) => [keyOf(c), c])));
  const targetTables = new Set(target.tables.map((t) => `${t.schema}.${t.name}`));
  for (const constraint of target.constraints) {
    const versions = currentConstraints.map((constraints) => constraints.get(keyOf(constraint)));
    if (versions.every((v) => v?.definition === constraint.definition)) continue;
    const table = qualifiedIdent(constraint.schema, constraint.table);
    // Added where missing, replaced where its definition differs: a no-op where it matches.
    const body = [
      `IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ${literal(table)}::regclass`,
      `               AND conname = ${literal(constraint.name)} AND pg_get_constraintdef(oid, true) = ${literal(constraint.definition)}) THEN`,
      `  ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${ident(constraint.name)};`,
      `  ALTER TABLE ${table} ADD CONSTRAINT ${ident(constraint.name)} ${constraint.definition};`,
      `END IF;`,
    ].join('\n');
    steps.push(step(constraint.type === 'foreign key' ? Phase.foreignKey : Phase.constraint, `constraint:${keyOf(constraint)}`, doBlock(body)));
  }
  for (const key of new Set(currentConstraints.flatMap((constraints) => [...constraints.keys()]))) {
    if (target.constraints.some((c) => keyOf(c) === key)) continue;
    const constraint = currentConstraints.map((constraints) => constraints.get(key)).find(Boolean)!;
    // A table that is gone on fresh installs is handled (and kept) as a whole.
    if (!targetTables.has(`${constraint.schema}.${constraint.table}`)) continue;
    steps.push(step(Phase.constraint - 0.5, `constraint:${key}`, `ALTER TABLE ${qualifiedIdent(constraint.schema, constraint.table)} DROP CONSTRAINT IF EXISTS ${ident(constraint.name)}`, [`${constraint.name} exists only on upgraded databases.`]));
  }
  return steps;
}

export function indexSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const keyOf = (i: Index) => `${i.schema}.${i.name}`;
  const currentIndexes = current.map((schema) => new Map(schema.indexes.map((i) => [keyOf(i), i])));
  const targetTables = new Set(target.tables.map((t) => `${t.schema}.${t.name}`));
  for (const index of target.indexes) {
    const versions = currentIndexes.map((indexes) => indexes.get(keyOf(index)));
    if (versions.every((v) => v?.statement === index.statement)) continue;
    const name = qualifiedIdent(index.schema, index.name);
    const create = index.statement.replace(/^CREATE (UNIQUE )?INDEX /, (head) => `${head}IF NOT EXISTS `);
    if (versions.every((v) => v === undefined || v.statement === index.statement)) {
      steps.push(step(Phase.index, `index:${keyOf(index)}`, create));
      continue;
    }
    const body = [
      `IF (SELECT pg_get_indexdef(to_regclass(${literal(name)}))) IS DISTINCT FROM ${literal(index.statement)} THEN`,
      `  DROP INDEX IF EXISTS ${name};`,
      `  ${create};`,
      `END IF;`,
    ].join('\n');
    steps.push(step(Phase.index, `index:${keyOf(index)}`, doBlock(body), [`${index.name} was changed in place: rebuilt where its definition differs.`]));
  }
  for (const key of new Set(currentIndexes.flatMap((indexes) => [...indexes.keys()]))) {
    if (target.indexes.some((i) => keyOf(i) === key)) continue;
    const index = currentIndexes.map((indexes) => indexes.get(key)).find(Boolean)!;
    if (!targetTables.has(`${index.schema}.${index.table}`)) continue;
    steps.push(step(Phase.index - 0.5, `index:${key}`, `DROP INDEX IF EXISTS ${qualifiedIdent(index.schema, index.name)}`, [`${index.name} exists only on upgraded databases.`]));
  }
  return steps;
}
