/** SQL fragments the kinds' catalog queries share (introspect.ts says why each is written so). */

/** Namespaces that are Postgres's own (pg_toast covers pg_toast_temp_N too). */
export const userNamespace = (alias: string) =>
  `${alias}.nspname NOT IN ('pg_catalog', 'information_schema') AND ${alias}.nspname::text NOT LIKE 'pg\\_toast%' AND ${alias}.nspname::text NOT LIKE 'pg\\_temp\\_%'`;

/** A catalog's oid, as an oid: `oid = regclass` has no operator of pg_catalog's own to match exactly. */
export const catalog = (name: string) => `'pg_catalog.${name}'::regclass::oid`;

/** Not a member of an extension: `CREATE EXTENSION` records its objects with deptype 'e'. */
export const notFromExtension = (table: string, oid: string) =>
  `NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = ${catalog(table)} AND d.objid = ${oid}
                AND d.refclassid = ${catalog('pg_extension')} AND d.deptype = 'e')`;

/**
 * Partitions are left out with everything on them: their columns, constraints, indexes
 * and triggers are clones of the partitioned table's, which is read instead.
 */
export const notPartition = (alias: string) => `NOT ${alias}.relispartition`;

/** A user table (plain or partitioned, not a partition), not an extension's. */
export const userTable = (classAlias: string, namespaceAlias: string) =>
  `${classAlias}.relkind IN ('r', 'p') AND ${notPartition(classAlias)} AND ${userNamespace(namespaceAlias)} AND ${notFromExtension('pg_class', `${classAlias}.oid`)}`;
