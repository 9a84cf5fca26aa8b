/**
 * What the fix aims at: the fresh install (head's migrations are the intent), with
 * what head's models declare laid over it — a modelled column's type and nullability,
 * and whole tables that only the models have. Nothing the models leave out is removed:
 * models rarely declare every index or trigger.
 */
import type { Schema, Table } from '../schema/schema.js';
import { definitionsMatch } from '../analysis/findings.js';

export function targetSchema(fresh: Schema, models: Schema | null): Schema {
  if (!models) return fresh;
  const freshTables = new Map(fresh.tables.map((t) => [`${t.schema}.${t.name}`, t]));
  const tables: Table[] = fresh.tables.map((table) => {
    const modelled = models.tables.find((t) => t.schema === table.schema && t.name === table.name);
    if (!modelled) return table;
    const columns = table.columns.map((column) => {
      const declared = modelled.columns.find((c) => c.name === column.name);
      if (!declared) return column;
      // A model that leaves out a type's parameters accepts what the migrations chose.
      const type = definitionsMatch(declared.type, column.type) ? column.type : declared.type;
      return { ...column, type, notNull: declared.notNull };
    });
    for (const declared of modelled.columns) {
      if (!columns.some((c) => c.name === declared.name)) columns.push(declared);
    }
    return { ...table, columns };
  });
  const added = models.tables.filter((t) => !freshTables.has(`${t.schema}.${t.name}`));
  const isAdded = (schema: string, table: string) => added.some((t) => t.schema === schema && t.name === table);
  const usedEnums = new Set(added.flatMap((t) => t.columns.map((c) => c.type)));
  return {
    ...fresh,
    schemas: [...new Set([...fresh.schemas, ...added.map((t) => t.schema)])],
    enums: [...fresh.enums, ...models.enums.filter((e) => usedEnums.has(e.name) && !fresh.enums.some((f) => f.schema === e.schema && f.name === e.name))],
    tables: [...tables, ...added],
    constraints: [...fresh.constraints, ...models.constraints.filter((c) => isAdded(c.schema, c.table))],
    indexes: [...fresh.indexes, ...models.indexes.filter((i) => isAdded(i.schema, i.table))],
  };
}
