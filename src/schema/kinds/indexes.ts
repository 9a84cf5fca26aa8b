/** Indexes that do not back a constraint (those are the constraint). */
import type { Index } from '../schema.js';
import { dumpName, indexDefinition, qualified } from '../definitions.js';
import { notFromExtension, notPartition, userNamespace } from './catalog-sql.js';
import { asRow, type ObjectKind } from './kind.js';

export function indexKey(index: Index): string {
  return `index:${index.schema}.${index.table}.${index.name}`;
}

export const indexes: ObjectKind<'indexes'> = {
  family: 'indexes',
  /** An index that backs a primary key, unique or exclusion constraint is that constraint. */
  query: `
  SELECT n.nspname AS schema, t.relname AS table, i.relname AS name, x.indisunique AS unique, am.amname AS method,
         pg_catalog.pg_get_indexdef(x.indexrelid) AS statement
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = i.relam
  WHERE t.relkind IN ('r', 'p', 'm') AND ${notPartition('t')} AND ${userNamespace('n')} AND ${notFromExtension('pg_class', 't.oid')}
    AND NOT EXISTS (SELECT FROM pg_constraint con WHERE con.conindid = x.indexrelid AND con.contype IN ('p', 'u', 'x'))`,
  read: asRow,
  sortKey: (i) => [i.schema, i.table, i.name],
  key: indexKey,
  entries: (i) => [
    {
      key: indexKey(i),
      kind: 'index',
      table: qualified(i.schema, i.table),
      name: i.name,
      definition: indexDefinition(i),
      dump: `  INDEX ${dumpName(i.name)} ${indexDefinition(i)}`,
    },
  ],
};
