/** Tables and their columns (columns have no kind of their own: they live in their table). */
import type { Column, Table } from '../schema.js';
import { columnDefinition, dumpName, dumpQualified, qualified } from '../definitions.js';
import { userTable } from './catalog-sql.js';
import { asRow, type ObjectKind } from './kind.js';

export function tableKey(table: { schema: string; name: string }): string {
  return `table:${table.schema}.${table.name}`;
}

export function columnKey(table: { schema: string; name: string }, column: Column): string {
  return `column:${table.schema}.${table.name}.${column.name}`;
}

export const tables: ObjectKind<'tables'> = {
  family: 'tables',
  /**
   * A column's default and a generated column's expression share pg_attrdef; attgenerated
   * tells them apart. A collation is kept only when it is not the type's own.
   */
  query: `
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
  WHERE ${userTable('c', 'n')}`,
  read: asRow,
  sortKey: (t) => [t.schema, t.name],
  key: tableKey,
  entries: (t: Table) => {
    const table = qualified(t.schema, t.name);
    return [
      {
        key: tableKey(t),
        kind: 'table',
        table: null,
        name: table,
        definition: t.partitioned ? 'partitioned table' : 'table',
        dump: `TABLE ${dumpQualified(t.schema, t.name)}${t.partitioned ? ' (partitioned)' : ''}`,
      },
      ...t.columns.map((c) => ({
        key: columnKey(t, c),
        kind: 'column' as const,
        table,
        name: c.name,
        definition: columnDefinition(c),
        dump: `  ${dumpName(c.name)} ${columnDefinition(c)}`,
      })),
    ];
  },
};
