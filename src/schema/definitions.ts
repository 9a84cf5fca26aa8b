/**
 * Canonical definitions: how each kind of object reads in schema entries, findings and
 * the dump. Short and DDL-like; equal objects print as equal strings.
 */
import { castEachElement } from './array-casts.js';
import type { Column, EnumType, Index, Sequence, Trigger, View } from './schema.js';

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
  const body = castEachElement(index.statement)
    .replace(INDEX_HEAD, '')
    .replace(/^USING /, 'using ');
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

export function viewDefinition(view: View): string {
  return view.materialized ? `materialized view: ${viewQuery(view)}` : viewQuery(view);
}

/** Runs of whitespace as one space: pretty-printers indent, and indentation is not a change. */
export function fold(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
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

/** A name as DDL writes it in the dump, so that one with a space or a dot still reads as one name. */
export function dumpName(identifier: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(identifier) ? identifier : `"${identifier.replace(/"/g, '""')}"`;
}

/** Unqualified in public, as everywhere in reports. */
export function dumpQualified(schema: string, identifier: string): string {
  return schema === 'public' ? dumpName(identifier) : `${dumpName(schema)}.${dumpName(identifier)}`;
}

/**
 * A model that leaves out a type's parameters (`String()`) accepts any (`varchar(255)`):
 * the code works either way, and Alembic's own comparison does not flag it either.
 */
export function definitionsMatch(declared: string, actual: string): boolean {
  if (declared === actual) return true;
  const withoutParameters = actual.replace(/^([a-z ]+?)\([0-9, ]+\)/, '$1');
  return !/^[a-z ]+\(/.test(declared) && declared === withoutParameters;
}
