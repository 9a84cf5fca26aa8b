/** Steps for sequences: create what is missing, align options and the owning column. */
import type { Schema, Sequence, Table } from '../schema/schema.js';
import { qualified } from '../schema/definitions.js';
import { sequenceKey } from '../schema/kinds/sequences.js';
import { compareObjects, present } from './compare.js';
import { ident, qualifiedIdent } from './sql.js';
import { disabledStep, step, type PlannedStep } from './step.js';

export function sequenceSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(
    target.sequences,
    current.map((s) => s.sequences),
    sequenceKey,
  );
  for (const { key, target: sequence, versions } of wanted) {
    const entryKey = key;
    const name = qualifiedIdent(sequence.schema, sequence.name);
    if (versions.includes(undefined)) steps.push(step('sequence', entryKey, `CREATE SEQUENCE IF NOT EXISTS ${name} ${options(sequence)}`));
    // ALTER SEQUENCE with the same options is a no-op; START WITH never restarts it.
    if (present(versions).some((v) => options(v) !== options(sequence))) steps.push(step('sequence', entryKey, `ALTER SEQUENCE ${name} ${options(sequence)}`));
    // A sequence created above has no owner yet.
    if (versions.some((v) => (v?.ownedBy ?? null) !== sequence.ownedBy)) {
      const owner = sequence.ownedBy === null ? 'NONE' : ownerColumn(sequence.ownedBy, target.tables);
      if (owner) steps.push(step('sequenceOwner', entryKey, `ALTER SEQUENCE ${name} OWNED BY ${owner}`));
    }
  }
  for (const { key, object: sequence } of extra) {
    steps.push(
      disabledStep(
        'removal',
        key,
        `DROP SEQUENCE IF EXISTS ${qualifiedIdent(sequence.schema, sequence.name)}`,
        `Sequence ${sequence.name} exists only on upgraded databases; drop it once no default or code calls nextval on it.`,
      ),
    );
  }
  return steps;
}

function options(s: Sequence): string {
  return `AS ${s.dataType} INCREMENT BY ${s.increment} MINVALUE ${s.min} MAXVALUE ${s.max} START WITH ${s.start} ${s.cycle ? 'CYCLE' : 'NO CYCLE'}`;
}

/**
 * `ownedBy` reads `table.column` (`schema.table.column` outside public); names may hold
 * dots themselves, so the owner is looked up among the tables rather than split.
 */
function ownerColumn(ownedBy: string, tables: Table[]): string | null {
  for (const table of tables) {
    for (const column of table.columns) {
      if (`${qualified(table.schema, table.name)}.${column.name}` === ownedBy) return `${qualifiedIdent(table.schema, table.name)}.${ident(column.name)}`;
    }
  }
  return null;
}
