/**
 * A Schema flattened into comparable entries: one per object, with a stable key and a
 * short canonical definition, so that comparing two databases is comparing two maps and
 * equal objects are equal strings (CONTRACT.md §2). The definitions are also what the
 * report shows, so they read like DDL, only shorter.
 */
import type { Column, EnumType, Index, Schema, SchemaEntry, Sequence, Trigger, View } from './schema.js';

/** `name` in public, `schema.name` elsewhere: how the report names things. */
export function qualified(schema: string, name: string): string {
  return schema === 'public' ? name : `${schema}.${name}`;
}

/**
 * `character varying(20) collate "C" not null default 'x'::character varying`, in the order
 * DDL writes them. The models comparison leaves the default out: models rarely declare it.
 */
export function columnDefinition(column: Column, options: { withDefault?: boolean } = {}): string {
  const parts = [column.type];
  if (column.collation !== null) parts.push(`collate ${quoteIdentifier(column.collation)}`);
  if (column.notNull) parts.push('not null');
  if (options.withDefault !== false && column.default !== null) parts.push(`default ${column.default}`);
  if (column.identity !== null) parts.push(`generated ${column.identity} as identity`);
  if (column.generated !== null) parts.push(`generated always as (${column.generated}) stored`);
  return parts.join(' ');
}

/** An identifier as Postgres prints one, or a run of characters an unquoted one can hold. */
const IDENTIFIER = String.raw`(?:"(?:[^"]|"")*"|[^\s".]+)`;
/** `CREATE [UNIQUE] INDEX name ON [ONLY] [schema.]table `: quoted names may hold spaces and dots. */
const INDEX_HEAD = new RegExp(String.raw`^CREATE (?:UNIQUE )?INDEX ${IDENTIFIER} ON (?:ONLY )?(?:${IDENTIFIER}\.)?${IDENTIFIER} `);
/** `CREATE [CONSTRAINT] TRIGGER name `. */
const TRIGGER_HEAD = new RegExp(String.raw`^CREATE (CONSTRAINT )?TRIGGER ${IDENTIFIER} `);

/** `CREATE UNIQUE INDEX ix ON public.t USING btree (x) WHERE …` → `unique using btree (x) WHERE …`. */
export function indexDefinition(index: Index): string {
  const body = index.statement.replace(INDEX_HEAD, '').replace(/^USING /, 'using ');
  return index.unique ? `unique ${body}` : body;
}

/** `BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch()`: the statement without its name. */
export function triggerDefinition(trigger: Trigger): string {
  return fold(trigger.statement).replace(TRIGGER_HEAD, (_head, constraint: string | undefined) => (constraint ? 'constraint ' : ''));
}

/** `('sad', 'ok', 'happy')`, in sort order. */
export function enumValueList(type: EnumType): string {
  return `(${type.values.map((value) => `'${value.replace(/'/g, "''")}'`).join(', ')})`;
}

/** `bigint start 1 increment 1`, then only what differs from `CREATE SEQUENCE`'s defaults. */
export function sequenceDefinition(sequence: Sequence): string {
  const defaults = defaultBounds(sequence.dataType, sequence.increment);
  const parts = [`${sequence.dataType} start ${sequence.start} increment ${sequence.increment}`];
  if (sequence.min !== defaults.min) parts.push(`min ${sequence.min}`);
  if (sequence.max !== defaults.max) parts.push(`max ${sequence.max}`);
  if (sequence.cycle) parts.push('cycle');
  if (sequence.ownedBy !== null) parts.push(`owned by ${sequence.ownedBy}`);
  return parts.join(' ');
}

/** The SELECT on one line, without the `;` that `pg_get_viewdef` ends it with. */
export function viewQuery(view: View): string {
  return fold(view.query).replace(/;$/, '');
}

function viewDefinition(view: View): string {
  return view.materialized ? `materialized view: ${viewQuery(view)}` : viewQuery(view);
}

/** Runs of whitespace as one space: pretty-printers indent, and indentation is not a change. */
export function fold(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function schemaEntries(schema: Schema): Map<string, SchemaEntry> {
  const entries = new Map<string, SchemaEntry>();
  const add = (key: string, entry: Omit<SchemaEntry, 'key'>) => entries.set(key, { key, ...entry });

  for (const name of schema.schemas) add(`schema:${name}`, { kind: 'schema', table: null, name, definition: 'schema' });
  for (const e of schema.extensions) {
    add(`extension:${e.name}`, { kind: 'extension', table: null, name: e.name, definition: `extension in ${e.schema}` });
  }
  for (const e of schema.enums) {
    add(`enum:${e.schema}.${e.name}`, { kind: 'enum', table: null, name: qualified(e.schema, e.name), definition: `enum ${enumValueList(e)}` });
  }
  for (const s of schema.sequences) {
    // A serial's sequence goes with its table: when one side lacks the table, the
    // table's finding covers the sequence too.
    const owner = s.ownedBy === null ? null : s.ownedBy.slice(0, s.ownedBy.lastIndexOf('.'));
    const name = owner === null ? qualified(s.schema, s.name) : s.name;
    add(`sequence:${s.schema}.${s.name}`, { kind: 'sequence', table: owner, name, definition: sequenceDefinition(s) });
  }
  for (const t of schema.tables) {
    const table = qualified(t.schema, t.name);
    add(`table:${t.schema}.${t.name}`, { kind: 'table', table: null, name: table, definition: t.partitioned ? 'partitioned table' : 'table' });
    for (const c of t.columns) {
      add(`column:${t.schema}.${t.name}.${c.name}`, { kind: 'column', table, name: c.name, definition: columnDefinition(c) });
    }
  }
  for (const c of schema.constraints) {
    add(`constraint:${c.schema}.${c.table}.${c.name}`, { kind: 'constraint', table: qualified(c.schema, c.table), name: c.name, definition: c.definition });
  }
  for (const i of schema.indexes) {
    add(`index:${i.schema}.${i.table}.${i.name}`, { kind: 'index', table: qualified(i.schema, i.table), name: i.name, definition: indexDefinition(i) });
  }
  for (const v of schema.views) {
    add(`view:${v.schema}.${v.name}`, { kind: 'view', table: null, name: qualified(v.schema, v.name), definition: viewDefinition(v) });
  }
  for (const f of schema.functions) {
    // Overloads share a name: the identity arguments tell them apart.
    const signature = `${f.name}(${f.identityArguments})`;
    add(`function:${f.schema}.${signature}`, { kind: 'function', table: null, name: qualified(f.schema, signature), definition: fold(f.statement) });
  }
  for (const t of schema.triggers) {
    add(`trigger:${t.schema}.${t.table}.${t.name}`, { kind: 'trigger', table: qualified(t.schema, t.table), name: t.name, definition: triggerDefinition(t) });
  }
  return entries;
}

/** The bounds `CREATE SEQUENCE` gives when none are named: 1 up to the type's largest, or down from -1. */
function defaultBounds(dataType: string, increment: string): { min: string; max: string } {
  const [lowest, highest] = TYPE_RANGES[dataType] ?? ['', ''];
  return increment.startsWith('-') ? { min: lowest, max: '-1' } : { min: '1', max: highest };
}

const TYPE_RANGES: Record<string, [string, string]> = {
  smallint: ['-32768', '32767'],
  integer: ['-2147483648', '2147483647'],
  bigint: ['-9223372036854775808', '9223372036854775807'],
};

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
