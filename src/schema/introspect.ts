/**
 * Reads one database's catalogs into the canonical Schema.
 *
 * Every definition comes from Postgres's own printers, read inside one read-only
 * snapshot with `search_path = pg_catalog, public`, so objects in public print
 * unqualified, everything else qualified, and two databases on the same server print
 * equal objects as equal strings. Objects that belong to an extension are the
 * extension's, not the application's: they are left out.
 *
 * The database was built by the pull request's migrations, which may have created
 * `public.format_type`, `public.pg_class` or an operator `public.=(oid, regclass)` to
 * forge a clean report. So pg_catalog comes first on the path (its tables, types and
 * exactly matching operators win), every function is called as `pg_catalog.…` (a
 * public overload that fits the arguments better would otherwise be chosen), and every
 * operator's operands have types pg_catalog has that exact operator for (a `::text` or
 * `::oid` where they would not). test/schema/introspect.test.ts › forged holds it.
 *
 * Each family of objects is one SELECT below; all of them travel in a single query
 * (one JSON column per family), because introspection runs several times per analysis.
 */
import type pg from 'pg';
import type { Schema } from './schema.js';

/** Namespaces that are Postgres's own (pg_toast covers pg_toast_temp_N too). */
const userNamespace = (alias: string) =>
  `${alias}.nspname NOT IN ('pg_catalog', 'information_schema') AND ${alias}.nspname::text NOT LIKE 'pg\\_toast%' AND ${alias}.nspname::text NOT LIKE 'pg\\_temp\\_%'`;

/** A catalog's oid, as an oid: `oid = regclass` has no operator of pg_catalog's own to match exactly. */
const catalog = (name: string) => `'pg_catalog.${name}'::regclass::oid`;

/** Not a member of an extension: `CREATE EXTENSION` records its objects with deptype 'e'. */
const notFromExtension = (table: string, oid: string) =>
  `NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = ${catalog(table)} AND d.objid = ${oid}
                AND d.refclassid = ${catalog('pg_extension')} AND d.deptype = 'e')`;

/**
 * Partitions are left out with everything on them: their columns, constraints, indexes
 * and triggers are clones of the partitioned table's, which is read instead.
 */
const notPartition = (alias: string) => `NOT ${alias}.relispartition`;

const SCHEMAS = `
  SELECT n.nspname AS name FROM pg_namespace n
  WHERE ${userNamespace('n')} AND ${notFromExtension('pg_namespace', 'n.oid')}`;

/** plpgsql is installed in every database by initdb: listing it would only add noise. */
const EXTENSIONS = `
  SELECT e.extname AS name, n.nspname AS schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
  WHERE e.extname <> 'plpgsql'`;

const ENUMS = `
  SELECT n.nspname AS schema, t.typname AS name,
         (SELECT coalesce(pg_catalog.json_agg(e.enumlabel ORDER BY e.enumsortorder), '[]') FROM pg_enum e WHERE e.enumtypid = t.oid) AS values
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE t.typtype = 'e' AND ${userNamespace('n')} AND ${notFromExtension('pg_type', 't.oid')}`;

/**
 * An identity column's sequence depends on it with deptype 'i' and belongs to the column;
 * a serial's (or any `OWNED BY`) with deptype 'a', which gives `ownedBy`.
 */
const SEQUENCES = `
  SELECT n.nspname AS schema, c.relname AS name, pg_catalog.format_type(s.seqtypid, NULL) AS "dataType",
         s.seqstart::text AS start, s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max,
         s.seqcycle AS cycle,
         (SELECT pg_catalog.concat(CASE WHEN tn.nspname <> 'public' THEN tn.nspname::text || '.' END, t.relname, '.', a.attname)
            FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
            JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
           WHERE d.classid = ${catalog('pg_class')} AND d.objid = c.oid AND d.refclassid = ${catalog('pg_class')} AND d.deptype = 'a'
           LIMIT 1) AS "ownedBy"
  FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE ${userNamespace('n')} AND ${notFromExtension('pg_class', 'c.oid')}
    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = ${catalog('pg_class')} AND d.objid = c.oid
                     AND d.refclassid = ${catalog('pg_class')} AND d.deptype = 'i')`;

/**
 * A column's default and a generated column's expression share pg_attrdef; attgenerated
 * tells them apart. A collation is kept only when it is not the type's own.
 */
const TABLES = `
  SELECT n.nspname AS schema, c.relname AS name, c.relkind = 'p' AS partitioned,
         (SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
                   'name', a.attname,
                   'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
                   'notNull', a.attnotnull,
                   'default', CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END,
                   'identity', CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END,
                   'generated', CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END,
                   'collation', CASE WHEN a.attcollation <> ty.typcollation THEN co.collname END
                 ) ORDER BY a.attnum), '[]')
            FROM pg_attribute a
            JOIN pg_type ty ON ty.oid = a.atttypid
            LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
            LEFT JOIN pg_collation co ON co.oid = a.attcollation
           WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND ${notPartition('c')} AND ${userNamespace('n')} AND ${notFromExtension('pg_class', 'c.oid')}`;

/**
 * The contype list is explicit: PG 18 also catalogs NOT NULL here, which the column
 * already carries. Constraints inherited from a parent table are the parent's.
 */
const CONSTRAINTS = `
  SELECT n.nspname AS schema, c.relname AS table, con.conname AS name,
         CASE con.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' WHEN 'c' THEN 'check'
                          WHEN 'f' THEN 'foreign key' WHEN 'x' THEN 'exclusion' END AS type,
         pg_catalog.pg_get_constraintdef(con.oid, true) AS definition
  FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE con.contype IN ('p', 'u', 'c', 'f', 'x') AND con.conislocal
    AND ${notPartition('c')} AND ${userNamespace('n')} AND ${notFromExtension('pg_class', 'c.oid')}`;

/** An index that backs a primary key, unique or exclusion constraint is that constraint. */
const INDEXES = `
  SELECT n.nspname AS schema, t.relname AS table, i.relname AS name, x.indisunique AS unique, am.amname AS method,
         pg_catalog.pg_get_indexdef(x.indexrelid) AS statement
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = i.relam
  WHERE t.relkind IN ('r', 'p', 'm') AND ${notPartition('t')} AND ${userNamespace('n')} AND ${notFromExtension('pg_class', 't.oid')}
    AND NOT EXISTS (SELECT FROM pg_constraint con WHERE con.conindid = x.indexrelid AND con.contype IN ('p', 'u', 'x'))`;

const VIEWS = `
  SELECT n.nspname AS schema, c.relname AS name, c.relkind = 'm' AS materialized, pg_catalog.pg_get_viewdef(c.oid, true) AS query
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('v', 'm') AND ${userNamespace('n')} AND ${notFromExtension('pg_class', 'c.oid')}`;

/** Functions and procedures written in SQL or a procedural language; aggregates and C code are not DDL we can diff. */
const FUNCTIONS = `
  SELECT n.nspname AS schema, p.proname AS name, pg_catalog.pg_get_function_identity_arguments(p.oid) AS "identityArguments",
         pg_catalog.pg_get_functiondef(p.oid) AS statement
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
  WHERE p.prokind IN ('f', 'p') AND l.lanname NOT IN ('c', 'internal')
    AND ${userNamespace('n')} AND ${notFromExtension('pg_proc', 'p.oid')}`;

/** Internal triggers implement foreign keys, which `constraints` already has. */
const TRIGGERS = `
  SELECT n.nspname AS schema, c.relname AS table, t.tgname AS name, pg_catalog.pg_get_triggerdef(t.oid, true) AS statement
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE NOT t.tgisinternal AND ${notPartition('c')} AND ${userNamespace('n')} AND ${notFromExtension('pg_class', 'c.oid')}`;

const FAMILIES: Record<keyof Schema, string> = {
  schemas: SCHEMAS,
  extensions: EXTENSIONS,
  enums: ENUMS,
  sequences: SEQUENCES,
  tables: TABLES,
  constraints: CONSTRAINTS,
  indexes: INDEXES,
  views: VIEWS,
  functions: FUNCTIONS,
  triggers: TRIGGERS,
};

const CATALOG_QUERY = `SELECT ${Object.entries(FAMILIES)
  .map(([family, select]) => `(SELECT coalesce(pg_catalog.json_agg(r), '[]') FROM (${select}) r) AS "${family}"`)
  .join(',\n')}`;

/** What the catalog query returns: the Schema, with each schema name still in a row of its own. */
type CatalogRow = Omit<Schema, 'schemas'> & { schemas: { name: string }[] };

/** Reads the connected database's schema. The client must not be inside a transaction. */
export async function introspect(client: pg.ClientBase): Promise<Schema> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = pg_catalog, public, pg_temp');
  try {
    const { rows } = await client.query<CatalogRow>(CATALOG_QUERY);
    return sorted(rows[0]!);
  } finally {
    // Read only: nothing to keep, and a rollback also ends a transaction an error aborted.
    await client.query('ROLLBACK');
  }
}

/**
 * Sorted here rather than in SQL: ORDER BY would follow each database's own collation,
 * and code-point order is the same everywhere. Columns keep their declared order.
 */
function sorted(read: CatalogRow): Schema {
  return {
    schemas: read.schemas.map((s) => s.name).sort(compareText),
    extensions: sortBy(read.extensions, (e) => [e.name]),
    enums: sortBy(read.enums, (e) => [e.schema, e.name]),
    sequences: sortBy(read.sequences, (s) => [s.schema, s.name]),
    tables: sortBy(read.tables, (t) => [t.schema, t.name]),
    constraints: sortBy(read.constraints, (c) => [c.schema, c.table, c.name]),
    indexes: sortBy(read.indexes, (i) => [i.schema, i.table, i.name]),
    views: sortBy(read.views, (v) => [v.schema, v.name]),
    functions: sortBy(read.functions, (f) => [f.schema, f.name, f.identityArguments]),
    triggers: sortBy(read.triggers, (t) => [t.schema, t.table, t.name]),
  };
}

function sortBy<T>(items: T[], key: (item: T) => string[]): T[] {
  return items
    .map((item) => ({ item, key: key(item) }))
    .sort((a, b) => {
      for (let i = 0; i < a.key.length; i++) {
        const order = compareText(a.key[i]!, b.key[i]!);
        if (order !== 0) return order;
      }
      return 0;
    })
    .map(({ item }) => item);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
