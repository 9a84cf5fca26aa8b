/**
 * A Schema flattened into comparable entries: one per object, with a stable key and
 * a short canonical definition, so that comparing two databases is comparing two maps
 * and equal objects are equal strings (CONTRACT.md §2).
 */
import type { Column, Schema, SchemaEntry } from './schema.js';

/** `name` in public, `schema.name` elsewhere: how the report names things. */
export function qualified(schema: string, name: string): string {
  return schema === 'public' ? name : `${schema}.${name}`;
}

export function columnDefinition(column: Column, options: { withDefault?: boolean } = {}): string {
  const parts = [column.type];
  if (column.collation) parts.push(`collate "${column.collation}"`);
  if (column.notNull) parts.push('not null');
  if (options.withDefault !== false && column.default !== null) parts.push(`default ${column.default}`);
  if (column.identity) parts.push(`generated ${column.identity} as identity`);
  if (column.generated !== null) parts.push(`generated always as (${column.generated}) stored`);
  return parts.join(' ');
}

/** `CREATE UNIQUE INDEX ix ON public.t USING btree (x) WHERE …` → `unique using btree (x) WHERE …`. */
export function indexDefinition(statement: string, unique: boolean): string {
  const body = statement.replace(/^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ /, '');
  return `${unique ? 'unique ' : ''}${body.replace(/^USING/, 'using')}`;
}

export function schemaEntries(schema: Schema): Map<string, SchemaEntry> {
  const entries = new Map<string, SchemaEntry>();
  const add = (entry: Omit<SchemaEntry, 'key'>, key: string) => entries.set(key, { key, ...entry });

  for (const name of schema.schemas) add({ kind: 'schema', table: null, name, definition: 'schema' }, `schema:${name}`);
  for (const e of schema.extensions) add({ kind: 'extension', table: null, name: e.name, definition: `extension in ${e.schema}` }, `extension:${e.name}`);
  for (const e of schema.enums) {
    const values = e.values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');
    add({ kind: 'enum', table: null, name: qualified(e.schema, e.name), definition: `enum (${values})` }, `enum:${e.schema}.${e.name}`);
  }
  for (const s of schema.sequences) {
    const definition = `${s.dataType} start ${s.start} increment ${s.increment} min ${s.min} max ${s.max}${s.cycle ? ' cycle' : ''}${s.ownedBy ? ` owned by ${s.ownedBy}` : ''}`;
    // A serial's sequence belongs to its table: a table missing on one side takes it along.
    const owner = s.ownedBy ? s.ownedBy.slice(0, s.ownedBy.lastIndexOf('.')) : null;
    add({ kind: 'sequence', table: owner, name: owner ? s.name : qualified(s.schema, s.name), definition }, `sequence:${s.schema}.${s.name}`);
  }
  for (const t of schema.tables) {
    const table = qualified(t.schema, t.name);
    add({ kind: 'table', table: null, name: table, definition: t.partitioned ? 'partitioned table' : 'table' }, `table:${t.schema}.${t.name}`);
    for (const c of t.columns) add({ kind: 'column', table, name: c.name, definition: columnDefinition(c) }, `column:${t.schema}.${t.name}.${c.name}`);
  }
  for (const c of schema.constraints) {
    add({ kind: 'constraint', table: qualified(c.schema, c.table), name: c.name, definition: c.definition }, `constraint:${c.schema}.${c.table}.${c.name}`);
  }
  for (const i of schema.indexes) {
    add({ kind: 'index', table: qualified(i.schema, i.table), name: i.name, definition: indexDefinition(i.statement, i.unique) }, `index:${i.schema}.${i.name}`);
  }
  for (const v of schema.views) {
    add({ kind: 'view', table: null, name: qualified(v.schema, v.name), definition: `${v.materialized ? 'materialized view' : 'view'}: ${fold(v.query)}` }, `view:${v.schema}.${v.name}`);
  }
  for (const f of schema.functions) {
    add({ kind: 'function', table: null, name: `${qualified(f.schema, f.name)}(${f.identityArguments})`, definition: fold(f.statement) }, `function:${f.schema}.${f.name}(${f.identityArguments})`);
  }
  for (const t of schema.triggers) {
    add({ kind: 'trigger', table: qualified(t.schema, t.table), name: t.name, definition: fold(t.statement.replace(/^CREATE (CONSTRAINT )?TRIGGER \S+ /, '')) }, `trigger:${t.schema}.${t.table}.${t.name}`);
  }
  return entries;
}

function fold(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
