/**
 * Steps for enum types: create a missing type, add missing values in the target's
 * order, and — disabled — recreate a type whose values were removed or reordered.
 */
import type { Column, EnumType, Schema, Table } from '../schema/schema.js';
import { enumKey } from '../schema/kinds/enums.js';
import { compareObjects, present } from './compare.js';
import { doBlock, ident, literal, qualifiedIdent, typeName } from './sql.js';
import { disabledStep, step, type PlannedStep } from './step.js';

export function enumSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(
    target.enums,
    current.map((s) => s.enums),
    enumKey,
  );
  for (const { key, target: type, versions } of wanted) {
    const entryKey = key;
    if (versions.includes(undefined)) steps.push(step('enum', entryKey, createEnum(type)));
    const existing = present(versions);
    steps.push(...addedValues(type, existing).map((sql) => step('enumValue', entryKey, sql)));
    if (existing.some((v) => !reachableByAdding(v, type))) steps.push(recreateEnum(type, target.tables, existing, entryKey));
  }
  for (const { key, object: type } of extra) {
    steps.push(
      disabledStep(
        'removal',
        key,
        `DROP TYPE IF EXISTS ${typeName(type.schema, type.name)}`,
        `Type ${type.name} exists only on upgraded databases; drop it once no column uses it.`,
      ),
    );
  }
  return steps;
}

function createEnum(type: EnumType): string {
  return doBlock([
    `  IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace`,
    `                 WHERE n.nspname = ${literal(type.schema)} AND t.typname = ${literal(type.name)}) THEN`,
    `    CREATE TYPE ${typeName(type.schema, type.name)} AS ENUM (${type.values.map(literal).join(', ')});`,
    `  END IF;`,
  ]);
}

/**
 * One `ADD VALUE IF NOT EXISTS` per value some database lacks, in target order, each
 * placed after its predecessor (which exists everywhere by then) or, for the first,
 * before the first value every database already has.
 */
function addedValues(type: EnumType, existing: EnumType[]): string[] {
  const everywhere = (value: string) => existing.every((e) => e.values.includes(value));
  const firstShared = type.values.find(everywhere);
  const statements: string[] = [];
  type.values.forEach((value, i) => {
    if (everywhere(value)) return;
    const previous = type.values[i - 1];
    const position = previous !== undefined ? ` AFTER ${literal(previous)}` : firstShared !== undefined ? ` BEFORE ${literal(firstShared)}` : '';
    statements.push(`ALTER TYPE ${typeName(type.schema, type.name)} ADD VALUE IF NOT EXISTS ${literal(value)}${position}`);
  });
  return statements;
}

/** Adding values reaches the target only when nothing must go and nothing must move. */
function reachableByAdding(version: EnumType, type: EnumType): boolean {
  const kept = type.values.filter((v) => version.values.includes(v));
  return version.values.length === kept.length && version.values.every((v, i) => v === kept[i]);
}

/**
 * Postgres cannot drop or move an enum value: the type is rebuilt and every column
 * converted through text. Disabled: rows holding a removed value make it fail.
 */
function recreateEnum(type: EnumType, tables: Table[], existing: EnumType[], entryKey: string): PlannedStep {
  const name = typeName(type.schema, type.name);
  const oldName = `${type.name}_driftbot_old`;
  const labels = `ARRAY[${type.values.map(literal).join(', ')}]::text[]`;
  const users = tables.flatMap((table) => table.columns.filter((c) => usesType(c, name)).map((column) => ({ table, column })));
  const removed = [...new Set(existing.flatMap((e) => e.values).filter((v) => !type.values.includes(v)))];
  const lines = [
    `  IF (SELECT coalesce(array_agg(enumlabel::text ORDER BY enumsortorder), '{}') FROM pg_enum WHERE enumtypid = ${literal(name)}::regtype) IS DISTINCT FROM ${labels} THEN`,
    `    ALTER TYPE ${name} RENAME TO ${ident(oldName)};`,
    `    CREATE TYPE ${name} AS ENUM (${type.values.map(literal).join(', ')});`,
  ];
  for (const { table, column } of users) {
    const t = qualifiedIdent(table.schema, table.name);
    const c = ident(column.name);
    if (column.default !== null) lines.push(`    ALTER TABLE ${t} ALTER COLUMN ${c} DROP DEFAULT;`);
    const array = column.type.endsWith('[]');
    lines.push(`    ALTER TABLE ${t} ALTER COLUMN ${c} TYPE ${column.type} USING ${c}::text${array ? '[]' : ''}::${column.type};`);
    if (column.default !== null) lines.push(`    ALTER TABLE ${t} ALTER COLUMN ${c} SET DEFAULT ${column.default};`);
  }
  lines.push(`    DROP TYPE ${qualifiedIdent(type.schema, oldName)};`, `  END IF;`);
  const why = removed.length
    ? `upgraded databases also have ${removed.map((v) => `'${v}'`).join(', ')}, which fresh installs do not`
    : 'upgraded databases have its values in another order';
  return disabledStep(
    'removal',
    entryKey,
    doBlock(lines),
    `Type ${type.name}: ${why}. Postgres cannot drop or reorder enum values, so this rebuilds the type and converts its columns; first UPDATE rows that hold a removed value, and drop views that read these columns.`,
  );
}

function usesType(column: Column, name: string): boolean {
  return column.type === name || column.type === `${name}[]`;
}
