/**
 * Steps for row-level security policies: recreated where missing or different (a
 * policy holds no data, and Postgres cannot alter a policy's command or kind), dropped
 * where only old installs have one.
 */
import type { Policy, Schema } from '../schema/schema.js';
import { policyKey } from '../schema/kinds/policies.js';
import { compareObjects, onKeptTables, present } from './compare.js';
import { doBlock, ident, literal, qualifiedIdent } from './sql.js';
import { onTable, step, type PlannedStep } from './step.js';

export function policySteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(target.policies, current.map((s) => s.policies), policyKey);
  for (const { key, target: policy, versions } of wanted) {
    const changed = present(versions).some((v) => !samePolicy(v, policy));
    if (!changed && !versions.includes(undefined)) continue;
    const comments = changed ? [`${policy.name} differs on some installs: recreated where it differs.`] : [];
    steps.push(...onTable({ schema: policy.schema, name: policy.table }, [step('policy', key, recreate(policy), comments)]));
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

/**
 * `DROP POLICY IF EXISTS` and `CREATE POLICY`, only where no policy of that name reads
 * exactly the target's command, kind, roles and expressions.
 */
function recreate(policy: Policy): string {
  const table = qualifiedIdent(policy.schema, policy.table);
  const roles = `ARRAY[${policy.roles.map(literal).join(', ')}]::text[]`;
  const create = [`CREATE POLICY ${ident(policy.name)} ON ${table} AS ${policy.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${policy.command.toUpperCase()}`];
  create.push(`TO ${policy.roles.map((r) => (r === 'public' ? 'PUBLIC' : ident(r))).join(', ')}`);
  if (policy.using !== null) create.push(`USING (${policy.using})`);
  if (policy.withCheck !== null) create.push(`WITH CHECK (${policy.withCheck})`);
  return doBlock([
    `  IF NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = ${literal(table)}::regclass AND p.polname = ${literal(policy.name)}`,
    `                 AND p.polcmd = ${literal(COMMAND_CODES[policy.command])} AND p.polpermissive = ${policy.permissive}`,
    `                 AND ARRAY(SELECT coalesce(r.rolname::text, 'public') FROM unnest(p.polroles) AS u(oid) LEFT JOIN pg_roles r ON r.oid = u.oid ORDER BY coalesce(r.rolname::text, 'public') COLLATE "C") = ${roles}`,
    `                 AND pg_get_expr(p.polqual, p.polrelid) IS NOT DISTINCT FROM ${policy.using === null ? 'NULL' : literal(policy.using)}`,
    `                 AND pg_get_expr(p.polwithcheck, p.polrelid) IS NOT DISTINCT FROM ${policy.withCheck === null ? 'NULL' : literal(policy.withCheck)}) THEN`,
    `    DROP POLICY IF EXISTS ${ident(policy.name)} ON ${table};`,
    `    ${create.join(' ')};`,
    `  END IF;`,
  ]);
}
