/**
 * What SQLAlchemy models declare, and how a database built otherwise matches it.
 *
 * `create_all` makes tables and their columns (type, nullability, server default),
 * primary keys, unique, check and foreign-key constraints, indexes and enum types:
 * that is what models can declare, and so what the models leg compares. Views,
 * functions, triggers, policies and the rest come from migrations (or from code run
 * beside `create_all`) and are never a model's to judge.
 *
 * A model is silent on much of that, and silence accepts whatever the migrations chose:
 * a column with no `server_default` accepts any default, a type without parameters
 * (`String`) any length, and a constraint or index the model leaves Postgres (or a
 * naming convention) to name matches one of the same definition on the same table
 * under any name. Uniqueness is one declaration however it is enforced: a unique
 * constraint matches a plain unique index on the same columns, and the reverse.
 */
import { definitionsMatch } from './definitions.js';
import { schemaEntries } from './entries.js';
import { emptySchema } from './kinds/index.js';
import type { Column, Schema, SchemaEntry } from './schema.js';

/** The part of a schema `create_all` can make. */
export function modelledPart(schema: Schema): Schema {
  return { ...emptySchema(), tables: schema.tables, constraints: schema.constraints, indexes: schema.indexes, enums: schema.enums };
}

/**
 * `into` with its `create_all` part taken from `from`: the rest (views, functions,
 * triggers, sequences and schemas no model declares…) stays as `into` has it.
 */
export function withModelledPart(into: Schema, from: Schema): Schema {
  const part = modelledPart(from);
  const qualified = (o: { schema: string; name: string }) => `${o.schema}.${o.name}`;
  const sequences = new Set(into.sequences.map(qualified));
  return {
    ...into,
    schemas: [...new Set([...into.schemas, ...from.schemas])],
    sequences: [...into.sequences, ...from.sequences.filter((s) => !sequences.has(qualified(s)))],
    tables: part.tables,
    constraints: part.constraints,
    indexes: part.indexes,
    enums: part.enums,
  };
}

/**
 * The models' entries, each saying only what the model declares: a serial's
 * `nextval(…)` default is Postgres's doing, not a declared `server_default`; identity,
 * generated expressions and collations are left to the installs' comparison.
 */
export function declaredEntries(models: Schema): Map<string, SchemaEntry> {
  return schemaEntries(asModelled(models, (column) => (isSerialDefault(column.default) ? null : column.default)));
}

/** A database's entries for the same kinds, defaults kept, for a declaration to be matched against. */
export function createdEntries(schema: Schema): Map<string, SchemaEntry> {
  return schemaEntries(asModelled(schema, (column) => column.default));
}

/** The keys of declared entries a database does not match. */
export function unmatchedDeclarations(models: Schema, database: Schema): Set<string> {
  const created = new DeclarationIndex(createdEntries(database));
  return new Set([...declaredEntries(models).values()].filter((declared) => !created.matches(declared)).map((declared) => declared.key));
}

/** A database's entries, by key and, for constraints and indexes, by table and definition. */
export class DeclarationIndex {
  private readonly byDefinition: Set<string>;

  constructor(readonly entries: Map<string, SchemaEntry>) {
    this.byDefinition = new Set([...entries.values()].filter(namedByDefinition).flatMap((entry) => [definitionKey(entry), ...uniquenessKey(entry)]));
  }

  /** Whether the database has what the declaration says, as the module comment explains. */
  matches(declared: SchemaEntry): boolean {
    const created = this.entries.get(declared.key);
    if (created && declarationsMatch(declared, created)) return true;
    return namedByDefinition(declared) && [definitionKey(declared), ...uniquenessKey(declared)].some((key) => this.byDefinition.has(key));
  }
}

/** `UNIQUE (a, b)` and `unique using btree (a, b)` (no predicate, nothing included) say the same. */
function uniquenessKey(entry: SchemaEntry): string[] {
  const columns =
    entry.kind === 'constraint'
      ? /^UNIQUE (\([^()]*\))$/.exec(entry.definition)?.[1]
      : entry.kind === 'index'
        ? /^unique using btree (\([^()]*\))$/.exec(entry.definition)?.[1]
        : undefined;
  return columns ? [`unique:${entry.table}:${columns}`] : [];
}

function declarationsMatch(declared: SchemaEntry, created: SchemaEntry): boolean {
  if (declared.kind !== 'column') return declared.definition === created.definition;
  // No server_default declared: any default goes.
  const actual = / default /.test(declared.definition) ? created.definition : created.definition.replace(/ default .*$/s, '');
  return definitionsMatch(declared.definition, actual);
}

function namedByDefinition(entry: SchemaEntry): boolean {
  return entry.kind === 'constraint' || entry.kind === 'index';
}

function definitionKey(entry: SchemaEntry): string {
  return `${entry.kind}:${entry.table}:${entry.definition}`;
}

/** `nextval('accounts_id_seq'::regclass)`: what an integer primary key gets as SERIAL. */
export function isSerialDefault(value: string | null): boolean {
  return value?.startsWith('nextval(') ?? false;
}

function asModelled(schema: Schema, defaultOf: (column: Column) => string | null): Schema {
  const part = modelledPart(schema);
  return {
    ...part,
    tables: part.tables.map((table) => ({
      ...table,
      columns: table.columns.map((column) => ({ ...column, default: defaultOf(column), identity: null, generated: null, collation: null })),
    })),
  };
}
