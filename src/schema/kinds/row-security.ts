/**
 * Whether a table enforces its policies (`ENABLE` / `FORCE ROW LEVEL SECURITY`). Only
 * tables with either flag are objects of this kind, so a table without row security
 * has no entry, as before the kind existed.
 */
import type { RowSecurity } from '../schema.js';
import { qualified } from '../definitions.js';
import { userTable } from './catalog-sql.js';
import { asRow, type ObjectKind } from './kind.js';

export function rowSecurityKey(rowSecurity: RowSecurity): string {
  return `row security:${rowSecurity.schema}.${rowSecurity.table}`;
}

/** `enabled`, `enabled, forced`, or `forced` (forced but not enabled enforces nothing yet). */
export function rowSecurityDefinition(rowSecurity: RowSecurity): string {
  return [rowSecurity.enabled ? 'enabled' : '', rowSecurity.forced ? 'forced' : ''].filter(Boolean).join(', ');
}

export const rowSecurity: ObjectKind<'rowSecurity'> = {
  family: 'rowSecurity',
  query: `
  SELECT n.nspname AS schema, c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE (c.relrowsecurity OR c.relforcerowsecurity) AND ${userTable('c', 'n')}`,
  read: asRow,
  sortKey: (r) => [r.schema, r.table],
  key: rowSecurityKey,
  entries: (r) => {
    const table = qualified(r.schema, r.table);
    return [{ key: rowSecurityKey(r), kind: 'row security', table, name: table, definition: rowSecurityDefinition(r), dump: `  ROW LEVEL SECURITY ${rowSecurityDefinition(r)}` }];
  },
};
