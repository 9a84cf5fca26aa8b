/**
 * The canonical schema of one Postgres database, as read from its catalogs.
 *
 * Every name is as Postgres stores it. Objects in `public` carry `schema: "public"`;
 * definitions come from Postgres's own printers (`format_type`, `pg_get_constraintdef`,
 * `pg_get_indexdef`, `pg_get_viewdef`, `pg_get_functiondef`, `pg_get_triggerdef`)
 * read with `search_path = pg_catalog, public`, so objects in `public` print unqualified
 * and everything else is schema-qualified. Two databases built on the same server
 * therefore print equal things as equal strings.
 */
export interface Schema {
  /** Non-system schemas, `public` included. */
  schemas: string[];
  extensions: Extension[];
  enums: EnumType[];
  /** Free-standing and serial sequences; identity sequences belong to their column. */
  sequences: Sequence[];
  tables: Table[];
  /** Primary key, unique, check, foreign key and exclusion constraints (never NOT NULL). */
  constraints: Constraint[];
  /** Indexes that do not back a constraint (those are covered by `constraints`). */
  indexes: Index[];
  views: View[];
  functions: FunctionDef[];
  triggers: Trigger[];
  /** Row-level security policies (`pg_policy`). */
  policies: Policy[];
  /** Tables with row-level security enabled or forced; every other table has neither. */
  rowSecurity: RowSecurity[];
  /** `COMMENT ON TABLE` and `COMMENT ON COLUMN` (`pg_description`). */
  comments: Comment[];
}

export interface Extension {
  name: string;
  schema: string;
}

export interface EnumType {
  schema: string;
  name: string;
  /** In sort order, as `enum_range` returns them. */
  values: string[];
}

export interface Sequence {
  schema: string;
  name: string;
  dataType: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cycle: boolean;
  /** `table.column` when the sequence is owned by a column (serial), else null. */
  ownedBy: string | null;
}

export interface Table {
  schema: string;
  name: string;
  /** Declared column order. */
  columns: Column[];
  partitioned: boolean;
}

export interface Column {
  name: string;
  /** As `format_type` prints it: `character varying(20)`, `jsonb`, `timestamp with time zone`, `folder_kind`. */
  type: string;
  notNull: boolean;
  /** As `pg_get_expr` prints it, e.g. `now()` or `'x'::character varying`; null when none. */
  default: string | null;
  identity: 'always' | 'by default' | null;
  /** Expression of a `GENERATED ALWAYS AS (…) STORED` column; null otherwise. */
  generated: string | null;
  /** Only when it differs from the type's default collation. */
  collation: string | null;
}

export type ConstraintType = 'primary key' | 'unique' | 'check' | 'foreign key' | 'exclusion';

export interface Constraint {
  schema: string;
  table: string;
  name: string;
  type: ConstraintType;
  /** `pg_get_constraintdef`, e.g. `UNIQUE (project_id, name)`. */
  definition: string;
}

export interface Index {
  schema: string;
  table: string;
  name: string;
  unique: boolean;
  /** Access method: btree, gin, gist, hash, brin… */
  method: string;
  /** The full `pg_get_indexdef` statement, e.g. `CREATE INDEX ix ON t USING btree (x) WHERE (y IS NULL)`. */
  statement: string;
}

export interface View {
  schema: string;
  name: string;
  materialized: boolean;
  /** `pg_get_viewdef`, the SELECT. */
  query: string;
}

export interface FunctionDef {
  schema: string;
  name: string;
  /** `pg_get_function_identity_arguments`, which with the name identifies an overload. */
  identityArguments: string;
  /** `pg_get_functiondef`: a complete `CREATE OR REPLACE FUNCTION …` statement. */
  statement: string;
}

export interface Trigger {
  schema: string;
  table: string;
  name: string;
  /** `pg_get_triggerdef`: a complete `CREATE TRIGGER …` statement. */
  statement: string;
}

export type PolicyCommand = 'all' | 'select' | 'insert' | 'update' | 'delete';

export interface Policy {
  schema: string;
  table: string;
  name: string;
  command: PolicyCommand;
  /** False for `AS RESTRICTIVE`. */
  permissive: boolean;
  /** Role names in code-point order; `public` for PUBLIC. */
  roles: string[];
  /** The USING expression as `pg_get_expr` prints it; null when none. */
  using: string | null;
  /** The WITH CHECK expression; null when none. */
  withCheck: string | null;
}

export interface RowSecurity {
  schema: string;
  table: string;
  /** `ENABLE ROW LEVEL SECURITY`. */
  enabled: boolean;
  /** `FORCE ROW LEVEL SECURITY`: the owner is subject to the policies too. */
  forced: boolean;
}

export interface Comment {
  schema: string;
  table: string;
  /** Null for the table's own comment. */
  column: string | null;
  text: string;
}

/**
 * The kinds of schema object a finding can be about (docs/contract.md §2), plus `schema`
 * for a namespace that exists on one side only.
 */
export type ObjectKind =
  | 'schema'
  | 'extension'
  | 'enum'
  | 'sequence'
  | 'table'
  | 'column'
  | 'constraint'
  | 'index'
  | 'view'
  | 'function'
  | 'trigger'
  | 'policy'
  | 'row security'
  | 'comment';

/**
 * One object of a schema, flattened for comparison: a stable key, the names the
 * report shows, and a short canonical definition (equal definitions are equal strings).
 */
export interface SchemaEntry {
  /** Unique within a schema, e.g. `column:public.session_streams.tags`. */
  key: string;
  kind: ObjectKind;
  /** Table the object belongs to (`session_streams`, or `audit.events` outside public); null for objects outside a table. */
  table: string | null;
  /** Object name (`tags`); qualified (`audit.kind`) when outside public and not in a table. */
  name: string;
  /** Canonical definition, e.g. `jsonb`, `character varying not null default 'x'::character varying`. */
  definition: string;
}
