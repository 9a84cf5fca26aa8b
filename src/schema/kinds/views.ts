/** Views and materialized views. */
import type { View } from '../schema.js';
import { dumpQualified, qualified, viewDefinition, viewQuery } from '../definitions.js';
import { notFromExtension, userNamespace } from './catalog-sql.js';
import { asRow, type ObjectKind } from './kind.js';

export function viewKey(view: View): string {
  return `view:${view.schema}.${view.name}`;
}

export const views: ObjectKind<'views'> = {
  family: 'views',
  query: `
  SELECT n.nspname AS schema, c.relname AS name, c.relkind = 'm' AS materialized, pg_catalog.pg_get_viewdef(c.oid, true) AS query
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('v', 'm') AND ${userNamespace('n')} AND ${notFromExtension('pg_class', 'c.oid')}`,
  read: asRow,
  sortKey: (v) => [v.schema, v.name],
  key: viewKey,
  entries: (v) => [
    {
      key: viewKey(v),
      kind: 'view',
      table: null,
      name: qualified(v.schema, v.name),
      definition: viewDefinition(v),
      dump: `${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${dumpQualified(v.schema, v.name)} AS ${viewQuery(v)}`,
    },
  ],
};
