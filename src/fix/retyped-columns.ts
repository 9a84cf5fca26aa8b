/**
 * The columns of a table that the fix converts to another type somewhere. Postgres will
 * not retype a column a policy or a trigger depends on: those on the table are dropped
 * first where a type will change (which of these columns each reads is not known).
 */
import type { Schema, Table } from '../schema/schema.js';
import { isSafeConversion } from './column-types.js';

/**
 * A conversion written disabled does not count: it does not run, and its dependents
 * would be dropped and created again on every run.
 */
export function retypedColumns(target: Schema, current: Schema[], of: { schema: string; table: string }): Table['columns'] {
  const sameTable = (t: Table) => t.schema === of.schema && t.name === of.table;
  const table = target.tables.find(sameTable);
  if (!table) return [];
  const converted = (column: Table['columns'][number]) => (c: Table['columns'][number]) =>
    c.name === column.name && c.type !== column.type && isSafeConversion(c.type, column.type);
  return table.columns.filter((column) => current.some((schema) => schema.tables.find(sameTable)?.columns.some(converted(column))));
}
