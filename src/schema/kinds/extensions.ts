/** Extensions; plpgsql is installed in every database by initdb: listing it would only add noise. */
import type { Extension } from '../schema.js';
import { dumpName } from '../definitions.js';
import { asRow, type ObjectKind } from './kind.js';

export function extensionKey(extension: Extension): string {
  return `extension:${extension.name}`;
}

export const extensions: ObjectKind<'extensions'> = {
  family: 'extensions',
  query: `
  SELECT e.extname AS name, n.nspname AS schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
  WHERE e.extname <> 'plpgsql'`,
  read: asRow,
  sortKey: (e) => [e.name],
  key: extensionKey,
  entries: (e) => [
    { key: extensionKey(e), kind: 'extension', table: null, name: e.name, definition: `extension in ${e.schema}`, dump: `EXTENSION ${dumpName(e.name)} in ${dumpName(e.schema)}` },
  ],
};
