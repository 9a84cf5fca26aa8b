/** Steps for enum types and sequences. */
import type { EnumType, Schema, Sequence } from '../schema/schema.js';
import { doBlock, ident, literal, qualifiedIdent } from './sql.js';
import { Phase, disabledStep, step, type PlannedStep } from './step.js';

export function enumSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const currentEnums = current.map((schema) => new Map(schema.enums.map((e) => [`${e.schema}.${e.name}`, e])));
  for (const type of target.enums) {
    const key = `${type.schema}.${type.name}`;
    const entryKey = `enum:${key}`;
    const name = qualifiedIdent(type.schema, type.name);
    const versions = currentEnums.map((enums) => enums.get(key));
    if (versions.some((v) => v === undefined)) {
      steps.push(
        step(
          Phase.enum,
          entryKey,
          doBlock(
            [
              `IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace`,
              `               WHERE n.nspname = ${literal(type.schema)} AND t.typname = ${literal(type.name)}) THEN`,
              `  CREATE TYPE ${name} AS ENUM (${type.values.map(literal).join(', ')});`,
              `END IF;`,
            ].join('\n'),
          ),
        ),
      );
    }
    const present = versions.filter((v): v is EnumType => v !== undefined);
    // Values in target order, each placed after its predecessor (added just before, if it was missing).
    const common = type.values.find((v) => present.every((p) => p.values.includes(v)));
    type.values.forEach((value, i) => {
      if (present.every((p) => p.values.includes(value))) return;
      const position = i > 0 ? ` AFTER ${literal(type.values[i - 1]!)}` : common ? ` BEFORE ${literal(common)}` : '';
      steps.push(step(Phase.enumValue, entryKey, `ALTER TYPE ${name} ADD VALUE IF NOT EXISTS ${literal(value)}${position}`));
    });
    for (const value of new Set(present.flatMap((p) => p.values).filter((v) => !type.values.includes(v)))) {
      steps.push(
        disabledStep(
          Phase.removal,
          entryKey,
          `-- ALTER TYPE ${name} … without ${literal(value)}`,
          `${value} is a value of ${type.name} only on upgraded databases; Postgres cannot drop an enum value: update rows that use it, then recreate the type.`,
        ),
      );
    }
    const sameSet = present.filter((p) => p.values.length === type.values.length && p.values.every((v) => type.values.includes(v)));
    if (sameSet.some((p) => p.values.join('\0') !== type.values.join('\0'))) {
      steps.push(disabledStep(Phase.removal, entryKey, `-- reorder ${name}`, `${type.name} has the same values in another order on upgraded databases; reordering needs a new type.`));
    }
  }
  for (const key of new Set(currentEnums.flatMap((enums) => [...enums.keys()]))) {
    if (target.enums.some((e) => `${e.schema}.${e.name}` === key)) continue;
    const type = currentEnums.map((enums) => enums.get(key)).find(Boolean)!;
    steps.push(disabledStep(Phase.removal, `enum:${key}`, `DROP TYPE IF EXISTS ${qualifiedIdent(type.schema, type.name)}`, `${type.name} exists only on upgraded databases; drop it once no column uses it.`));
  }
  return steps;
}

export function sequenceSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const currentSequences = current.map((schema) => new Map(schema.sequences.map((s) => [`${s.schema}.${s.name}`, s])));
  for (const sequence of target.sequences) {
    const key = `${sequence.schema}.${sequence.name}`;
    const versions = currentSequences.map((sequences) => sequences.get(key));
    const name = qualifiedIdent(sequence.schema, sequence.name);
    if (versions.some((v) => v === undefined)) {
      steps.push(step(Phase.sequence, `sequence:${key}`, `CREATE SEQUENCE IF NOT EXISTS ${name} ${sequenceOptions(sequence)}`));
    }
    if (versions.some((v) => v && sequenceOptions(v) !== sequenceOptions(sequence))) {
      steps.push(step(Phase.sequence, `sequence:${key}`, `ALTER SEQUENCE ${name} ${sequenceOptions(sequence)}`));
    }
    if (sequence.ownedBy && versions.some((v) => v?.ownedBy !== sequence.ownedBy)) {
      // After the table exists: a serial's sequence goes when its column goes.
      const [column, ...table] = sequence.ownedBy.split('.').reverse();
      const owner = table.length === 2 ? qualifiedIdent(table[1]!, table[0]!) : qualifiedIdent('public', table[0]!);
      steps.push(step(Phase.columnDefault, `sequence:${key}`, `ALTER SEQUENCE ${name} OWNED BY ${owner}.${ident(column!)}`));
    }
  }
  for (const key of new Set(currentSequences.flatMap((sequences) => [...sequences.keys()]))) {
    if (target.sequences.some((s) => `${s.schema}.${s.name}` === key)) continue;
    const sequence = currentSequences.map((sequences) => sequences.get(key)).find(Boolean)!;
    steps.push(disabledStep(Phase.removal, `sequence:${key}`, `DROP SEQUENCE IF EXISTS ${qualifiedIdent(sequence.schema, sequence.name)}`, `${sequence.name} exists only on upgraded databases; drop it once nothing uses it.`));
  }
  return steps;
}

function sequenceOptions(s: Sequence): string {
  return `AS ${s.dataType} INCREMENT BY ${s.increment} MINVALUE ${s.min} MAXVALUE ${s.max} START WITH ${s.start}${s.cycle ? ' CYCLE' : ' NO CYCLE'}`;
}
