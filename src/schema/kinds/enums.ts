/** Enum types, their values in sort order. */
import type { EnumType } from '../schema.js';
import { dumpQualified, enumValueList, qualified } from '../definitions.js';
import { notFromExtension, userNamespace } from './catalog-sql.js';
import { asRow, type ObjectKind } from './kind.js';

export function enumKey(type: EnumType): string {
  return `enum:${type.schema}.${type.name}`;
}

export const enums: ObjectKind<'enums'> = {
  family: 'enums',
  query: `
  SELECT n.nspname AS schema, t.typname AS name,
         (SELECT coalesce(pg_catalog.json_agg(e.enumlabel ORDER BY e.enumsortorder), '[]') FROM pg_enum e WHERE e.enumtypid = t.oid) AS values
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE t.typtype = 'e' AND ${userNamespace('n')} AND ${notFromExtension('pg_type', 't.oid')}`,
  read: asRow,
  sortKey: (e) => [e.schema, e.name],
  key: enumKey,
  entries: (e) => [
    {
      key: enumKey(e),
      kind: 'enum',
      table: null,
      name: qualified(e.schema, e.name),
      definition: `enum ${enumValueList(e)}`,
      dump: `ENUM ${dumpQualified(e.schema, e.name)} ${enumValueList(e)}`,
    },
  ],
};
