/** Hand-built Schemas for unit tests of the fix planner: only what a test names differs from empty. */
import { emptySchema } from '../../src/schema/kinds/index.js';
import type { Column, Constraint, Index, Schema, Table } from '../../src/schema/schema.js';

export function schema(parts: Partial<Schema> = {}): Schema {
  return { ...emptySchema(), schemas: ['public'], ...parts };
}

export function column(name: string, type: string, extra: Partial<Column> = {}): Column {
  return { name, type, notNull: false, default: null, identity: null, generated: null, collation: null, ...extra };
}

export function table(name: string, columns: Column[], extra: Partial<Table> = {}): Table {
  return { schema: 'public', name, columns, partitioned: false, ...extra };
}

export function constraint(tableName: string, name: string, type: Constraint['type'], definition: string): Constraint {
  return { schema: 'public', table: tableName, name, type, definition };
}

export function index(tableName: string, name: string, statement: string): Index {
  return { schema: 'public', table: tableName, name, unique: statement.startsWith('CREATE UNIQUE'), method: 'btree', statement };
}
