/**
 * What the fix aims at: the fresh install (head's migrations are the intent), with
 * what head's models declare laid over it — a modelled column's type and nullability,
 * columns and whole tables that only the models have. Nothing the models leave out is
 * removed: models rarely declare every index or trigger.
 */
import type { Column, EnumType, Schema, Sequence, Table } from '../schema/schema.js';
import { definitionsMatch } from '../schema/definitions.js';
import { literal, qualifiedIdent, typeName } from './sql.js';

export function targetSchema(fresh: Schema, models: Schema | null): Schema {
  if (!models) return fresh;
  const keyOf = (o: { schema: string; name: string }) => `${o.schema}.${o.name}`;
  const declaredTables = new Map(models.tables.map((t) => [keyOf(t), t]));
  const freshTables = new Set(fresh.tables.map(keyOf));
  const tables = fresh.tables.map((table) => {
    const declared = declaredTables.get(keyOf(table));
    return declared ? overlay(table, declared) : table;
  });
  // A table only the models have comes whole, with what it needs.
  const added = models.tables.filter((t) => !freshTables.has(keyOf(t)));
  const addedKeys = new Set(added.map(keyOf));
  const onAdded = (o: { schema: string; table: string }) => addedKeys.has(`${o.schema}.${o.table}`);
  const allTables = [...tables, ...added];
  const columns = allTables.flatMap((t) => t.columns);
  const isNew =
    <T extends { schema: string; name: string }>(list: T[]) =>
    (o: T) =>
      !list.some((f) => keyOf(f) === keyOf(o));
  return {
    ...fresh,
    schemas: [...new Set([...fresh.schemas, ...added.map((t) => t.schema)])],
    enums: [...fresh.enums, ...models.enums.filter(isNew(fresh.enums)).filter((e) => columns.some((c) => usesEnum(c, e)))],
    sequences: [...fresh.sequences, ...models.sequences.filter(isNew(fresh.sequences)).filter((s) => columns.some((c) => usesSequence(c, s)))],
    tables: allTables,
    constraints: [...fresh.constraints, ...models.constraints.filter(onAdded)],
    indexes: [...fresh.indexes, ...models.indexes.filter(onAdded)],
  };
}

/**
 * A modelled column takes the model's type and nullability, and keeps the fresh
 * install's default; a column only the model declares comes as declared.
 */
function overlay(table: Table, declared: Table): Table {
  const columns: Column[] = table.columns.map((column) => {
    const model = declared.columns.find((c) => c.name === column.name);
    if (!model) return column;
    // A model that leaves out a type's parameters (`String` for `varchar(20)`) accepts the migrations' choice.
    const type = definitionsMatch(model.type, column.type) ? column.type : model.type;
    return { ...column, type, notNull: model.notNull };
  });
  for (const model of declared.columns) if (!columns.some((c) => c.name === model.name)) columns.push(model);
  return { ...table, columns };
}

function usesEnum(column: Column, type: EnumType): boolean {
  const name = typeName(type.schema, type.name);
  return column.type === name || column.type === `${name}[]`;
}

function usesSequence(column: Column, sequence: Sequence): boolean {
  return column.default?.includes(`${literal(qualifiedIdent(sequence.schema, sequence.name))}::regclass`) ?? false;
}
