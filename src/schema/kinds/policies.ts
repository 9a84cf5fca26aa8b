/** Row-level security policies (`CREATE POLICY`); whether a table enforces them is row-security.ts. */
import type { Policy } from '../schema.js';
import { dumpName, qualified } from '../definitions.js';
import { userTable } from './catalog-sql.js';
import type { ObjectKind } from './kind.js';

export function policyKey(policy: Policy): string {
  return `policy:${policy.schema}.${policy.table}.${policy.name}`;
}

/** `permissive for select to public using (owner = CURRENT_USER)`, in the order CREATE POLICY writes them. */
export function policyDefinition(policy: Policy): string {
  const parts = [policy.permissive ? 'permissive' : 'restrictive', `for ${policy.command}`, `to ${policy.roles.join(', ')}`];
  if (policy.using !== null) parts.push(`using (${policy.using})`);
  if (policy.withCheck !== null) parts.push(`with check (${policy.withCheck})`);
  return parts.join(' ');
}

/** Roles as names, PUBLIC (role 0) as `public`, in code-point order (the database's collation may differ). */
export const POLICY_ROLES = (alias: string) => `
  (SELECT coalesce(pg_catalog.json_agg(coalesce(r.rolname::text, 'public')), '[]')
     FROM pg_catalog.unnest(${alias}.polroles) AS u(oid) LEFT JOIN pg_roles r ON r.oid = u.oid)`;

export const policies: ObjectKind<'policies'> = {
  family: 'policies',
  query: `
  SELECT n.nspname AS schema, c.relname AS table, p.polname AS name,
         CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update' WHEN 'd' THEN 'delete' ELSE 'all' END AS command,
         p.polpermissive AS permissive, ${POLICY_ROLES('p')} AS roles,
         pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using,
         pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS "withCheck"
  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE ${userTable('c', 'n')}`,
  read: (row) => {
    const policy = row as unknown as Policy;
    return { ...policy, roles: [...policy.roles].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
  },
  sortKey: (p) => [p.schema, p.table, p.name],
  key: policyKey,
  entries: (p) => [
    {
      key: policyKey(p),
      kind: 'policy',
      table: qualified(p.schema, p.table),
      name: p.name,
      definition: policyDefinition(p),
      dump: `  POLICY ${dumpName(p.name)} ${policyDefinition(p)}`,
    },
  ],
};
