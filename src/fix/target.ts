/**
 * What the fix aims at: the fresh install (head's migrations are the intent), with
 * what head's models declare laid over it — a modelled column's type, nullability and
 * declared server default, columns and whole tables that only the models have, and the
 * constraints, indexes and enum types the models declare that the install does not
 * match (schema/declared.ts). Nothing the models leave out is removed: models rarely
 * declare every index or trigger.
 */
import type { Column, Constraint, Schema, Sequence, Table } from '../schema/schema.js';
import { definitionsMatch } from '../schema/definitions.js';
import { isSerialDefault, unmatchedDeclarations } from '../schema/declared.js';
import { constraintKey } from '../schema/kinds/constraints.js';
import { enumKey } from '../schema/kinds/enums.js';
import { indexKey } from '../schema/kinds/indexes.js';
import { literal, qualifiedIdent } from './sql.js';

export function targetSchema(fresh: Schema, models: Schema | null): Schema {
  if (!models) return fresh;
  const unmatched = unmatchedDeclarations(models, fresh);
  /** The install's objects, less those the models declare otherwise, plus the models' version of them. */
  const declared = <T>(installed: T[], modelled: T[], key: (o: T) => string) => [
    ...installed.filter((o) => !unmatched.has(key(o))),
    ...modelled.filter((o) => unmatched.has(key(o))),
  ];
  const keyOf = (o: { schema: string; name: string }) => `${o.schema}.${o.name}`;
  const declaredTables = new Map(models.tables.map((t) => [keyOf(t), t]));
  const freshTables = new Set(fresh.tables.map(keyOf));
  const tables = fresh.tables.map((table) => {
    const modelled = declaredTables.get(keyOf(table));
    return modelled ? overlay(table, modelled) : table;
  });
  // A table only the models have comes whole, with what it needs.
  const added = models.tables.filter((t) => !freshTables.has(keyOf(t)));
  const allTables = [...tables, ...added];
  const columns = allTables.flatMap((t) => t.columns);
  const isNew =
    <T extends { schema: string; name: string }>(list: T[]) =>
    (o: T) =>
      !list.some((f) => keyOf(f) === keyOf(o));
  return {
    ...fresh,
    schemas: [...new Set([...fresh.schemas, ...added.map((t) => t.schema)])],
    enums: declared(fresh.enums, models.enums, enumKey),
    sequences: [...fresh.sequences, ...models.sequences.filter(isNew(fresh.sequences)).filter((s) => columns.some((c) => usesSequence(c, s)))],
    tables: allTables,
    constraints: onePrimaryKey(declared(fresh.constraints, models.constraints, constraintKey), models.constraints, unmatched),
    indexes: declared(fresh.indexes, models.indexes, indexKey),
  };
}

/** A table has one primary key: the models' when they declare another than the install's. */
function onePrimaryKey(constraints: Constraint[], modelled: Constraint[], unmatched: Set<string>): Constraint[] {
  const redeclared = new Set(modelled.filter((c) => c.type === 'primary key' && unmatched.has(constraintKey(c))).map((c) => `${c.schema}.${c.table}`));
  return constraints.filter((c) => c.type !== 'primary key' || !redeclared.has(`${c.schema}.${c.table}`) || unmatched.has(constraintKey(c)));
}

/**
 * A modelled column takes the model's type, nullability and server default when it
 * declares one, and keeps the fresh install's default otherwise; a column only the
 * model declares comes as declared.
 */
function overlay(table: Table, declared: Table): Table {
  const columns: Column[] = table.columns.map((column) => {
    const model = declared.columns.find((c) => c.name === column.name);
    if (!model) return column;
    // A model that leaves out a type's parameters (`String` for `varchar(20)`) accepts the migrations' choice.
    const type = definitionsMatch(model.type, column.type) ? column.type : model.type;
    const declaredDefault = model.default !== null && !isSerialDefault(model.default);
    return { ...column, type, notNull: model.notNull, default: declaredDefault ? model.default : column.default };
  });
  for (const model of declared.columns) if (!columns.some((c) => c.name === model.name)) columns.push(model);
  return { ...table, columns };
}

function usesSequence(column: Column, sequence: Sequence): boolean {
  return column.default?.includes(`${literal(qualifiedIdent(sequence.schema, sequence.name))}::regclass`) ?? false;
}
