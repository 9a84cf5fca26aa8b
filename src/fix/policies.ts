/**
 * Steps for row-level security policies: recreated where missing or different (a
 * policy holds no data, and Postgres cannot alter a policy's command or kind), dropped
 * where only old installs have one. Every step is guarded on the catalog, so a database
 * whose policy already matches keeps it as it is.
 */
import type { Policy, Schema, Table } from '../schema/schema.js';
import { policyKey } from '../schema/kinds/policies.js';
import { compareObjects, onKeptTables, present } from './compare.js';
import { currentColumnType, doBlock, ident, literal, qualifiedIdent } from './sql.js';
import { retypedColumns } from './retyped-columns.js';
import { onTable, step, type PlannedStep } from './step.js';

export function policySteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(
    target.policies,
    current.map((s) => s.policies),
    policyKey,
  );
  for (const { key, target: policy, versions } of wanted) {
    const changed = present(versions).some((v) => !samePolicy(v, policy));
    const retyped = retypedColumns(target, current, policy);
    if (!changed && !retyped.length && !versions.includes(undefined)) continue;
    const planned = [step('policy', key, recreate(policy), changed ? [`${policy.name} differs on some installs: recreated where it differs.`] : [])];
    // Postgres will not change the type of a column a policy reads: where one will change, or the policy differs (and may read one), it goes first.
    if (changed || retyped.length) {
      planned.unshift(
        step('obsolete', key, dropFirst(policy, retyped), [`${policy.name} is dropped first where it differs or reads a column whose type changes, and created again below.`]),
      );
    }
    steps.push(...onTable({ schema: policy.schema, name: policy.table }, planned));
  }
  for (const { key, object: policy } of onKeptTables(target, extra)) {
    const sql = `DROP POLICY IF EXISTS ${ident(policy.name)} ON ${qualifiedIdent(policy.schema, policy.table)}`;
    steps.push(...onTable({ schema: policy.schema, name: policy.table }, [step('obsolete', key, sql, [`${policy.name} exists only on databases upgraded from older revisions.`])]));
  }
  return steps;
}

function samePolicy(a: Policy, b: Policy): boolean {
  return a.command === b.command && a.permissive === b.permissive && a.roles.join('\0') === b.roles.join('\0') && a.using === b.using && a.withCheck === b.withCheck;
}

const COMMAND_CODES: Record<Policy['command'], string> = { all: '*', select: 'r', insert: 'a', update: 'w', delete: 'd' };

/** `CREATE POLICY`, only where no policy of that name is exactly the target's. */
function recreate(policy: Policy): string {
  const table = qualifiedIdent(policy.schema, policy.table);
  const create = [`CREATE POLICY ${ident(policy.name)} ON ${table} AS ${policy.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${policy.command.toUpperCase()}`];
  create.push(`TO ${policy.roles.map((r) => (r === 'public' ? 'PUBLIC' : ident(r))).join(', ')}`);
  if (policy.using !== null) create.push(`USING (${policy.using})`);
  if (policy.withCheck !== null) create.push(`WITH CHECK (${policy.withCheck})`);
  return doBlock([`  IF NOT ${matching(policy)} THEN`, `    DROP POLICY IF EXISTS ${ident(policy.name)} ON ${table};`, `    ${create.join(' ')};`, `  END IF;`]);
}

/** `DROP POLICY`, only where it is not the target's or a column of its table still has another type. */
function dropFirst(policy: Policy, retyped: Table['columns']): string {
  const table = qualifiedIdent(policy.schema, policy.table);
  const conditions = [`NOT ${matching(policy)}`, ...retyped.map((c) => `${currentColumnType(table, c.name)} IS DISTINCT FROM ${literal(c.type)}`)];
  return doBlock([`  IF ${conditions.join('\n     OR ')} THEN`, `    DROP POLICY IF EXISTS ${ident(policy.name)} ON ${table};`, `  END IF;`]);
}

/** True where the table has a policy of that name with exactly the target's command, kind, roles and expressions. */
function matching(policy: Policy): string {
  const table = qualifiedIdent(policy.schema, policy.table);
  const roles = `ARRAY[${policy.roles.map(literal).join(', ')}]::text[]`;
  return [
    `EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = ${literal(table)}::regclass AND p.polname = ${literal(policy.name)}`,
    `AND p.polcmd = ${literal(COMMAND_CODES[policy.command])} AND p.polpermissive = ${policy.permissive}`,
    `AND ARRAY(SELECT coalesce(r.rolname::text, 'public') FROM unnest(p.polroles) AS u(oid) LEFT JOIN pg_roles r ON r.oid = u.oid ORDER BY coalesce(r.rolname::text, 'public') COLLATE "C") = ${roles}`,
    `AND pg_get_expr(p.polqual, p.polrelid) IS NOT DISTINCT FROM ${policy.using === null ? 'NULL' : literal(policy.using)}`,
    `AND pg_get_expr(p.polwithcheck, p.polrelid) IS NOT DISTINCT FROM ${policy.withCheck === null ? 'NULL' : literal(policy.withCheck)})`,
  ].join('\n                 ');
}
