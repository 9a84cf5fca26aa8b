/** Triggers; internal ones implement foreign keys, which are constraints. */
import type { Trigger } from '../schema.js';
import { dumpName, qualified, triggerDefinition } from '../definitions.js';
import { notFromExtension, notPartition, userNamespace } from './catalog-sql.js';
import { asRow, type ObjectKind } from './kind.js';

export function triggerKey(trigger: Trigger): string {
  return `trigger:${trigger.schema}.${trigger.table}.${trigger.name}`;
}

export const triggers: ObjectKind<'triggers'> = {
  family: 'triggers',
  query: `
  SELECT n.nspname AS schema, c.relname AS table, t.tgname AS name, pg_catalog.pg_get_triggerdef(t.oid, true) AS statement
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE NOT t.tgisinternal AND ${notPartition('c')} AND ${userNamespace('n')} AND ${notFromExtension('pg_class', 'c.oid')}`,
  read: asRow,
  sortKey: (t) => [t.schema, t.table, t.name],
  key: triggerKey,
  entries: (t) => [
    {
      key: triggerKey(t),
      kind: 'trigger',
      table: qualified(t.schema, t.table),
      name: t.name,
      definition: triggerDefinition(t),
      dump: `TRIGGER ${dumpName(t.name)} ${triggerDefinition(t)}`,
    },
  ],
};
