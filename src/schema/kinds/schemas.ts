/** Namespaces (`CREATE SCHEMA`), `public` included; the dump leaves `public` out. */
import { dumpName } from '../definitions.js';
import { notFromExtension, userNamespace } from './catalog-sql.js';
import type { ObjectKind } from './kind.js';

export function schemaKey(name: string): string {
  return `schema:${name}`;
}

export const schemas: ObjectKind<'schemas'> = {
  family: 'schemas',
  query: `
  SELECT n.nspname AS name FROM pg_namespace n
  WHERE ${userNamespace('n')} AND ${notFromExtension('pg_namespace', 'n.oid')}`,
  read: (row) => row.name as string,
  sortKey: (name) => [name],
  key: schemaKey,
  entries: (name) => [{ key: schemaKey(name), kind: 'schema', table: null, name, definition: 'schema', dump: name === 'public' ? null : `SCHEMA ${dumpName(name)}` }],
};
