/**
 * Steps for triggers: recreated from the target's definition where it differs, dropped
 * where only old installs have one. Postgres will not retype a column a trigger depends
 * on (`UPDATE OF` it, a WHEN reading it): where a column of its table changes type, or
 * it differs (and its old version may read one), it is dropped first, in `obsolete`.
 */
import type { Schema, Table, Trigger } from '../schema/schema.js';
import { triggerKey } from '../schema/kinds/triggers.js';
import { compareObjects, onKeptTables, present } from './compare.js';
import { retypedColumns } from './retyped-columns.js';
import { currentColumnType, doBlock, ident, literal, qualifiedIdent } from './sql.js';
import { onTable, step, type PlannedStep } from './step.js';

export function triggerSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(
    target.triggers,
    current.map((s) => s.triggers),
    triggerKey,
  );
  for (const { key, target: trigger, versions } of wanted) {
    const changed = present(versions).some((v) => v.statement !== trigger.statement);
    const retyped = retypedColumns(target, current, trigger);
    if (!changed && !retyped.length && !versions.includes(undefined)) continue;
    const planned = [step('trigger', key, recreate(trigger))];
    if (changed || retyped.length) {
      planned.unshift(
        step('obsolete', key, dropFirst(trigger, retyped), [`${trigger.name} is dropped first where it differs or a column of its table changes type, and created again below.`]),
      );
    }
    steps.push(...onTable({ schema: trigger.schema, name: trigger.table }, planned));
  }
  for (const { key, object: trigger } of onKeptTables(target, extra)) {
    const sql = `DROP TRIGGER IF EXISTS ${ident(trigger.name)} ON ${qualifiedIdent(trigger.schema, trigger.table)}`;
    steps.push(
      ...onTable({ schema: trigger.schema, name: trigger.table }, [step('obsolete', key, sql, [`${trigger.name} exists only on databases upgraded from older revisions.`])]),
    );
  }
  return steps;
}

function differs(trigger: Trigger): string {
  const table = qualifiedIdent(trigger.schema, trigger.table);
  return `(SELECT pg_get_triggerdef(oid, true) FROM pg_trigger WHERE tgrelid = ${literal(table)}::regclass AND tgname = ${literal(trigger.name)}) IS DISTINCT FROM ${literal(trigger.statement)}`;
}

/** `DROP TRIGGER IF EXISTS` and `CREATE TRIGGER`, only where its definition is not the target's. */
function recreate(trigger: Trigger): string {
  const table = qualifiedIdent(trigger.schema, trigger.table);
  return doBlock([`  IF ${differs(trigger)} THEN`, `    DROP TRIGGER IF EXISTS ${ident(trigger.name)} ON ${table};`, `    ${trigger.statement.trim()};`, `  END IF;`]);
}

/** `DROP TRIGGER`, only where it is not the target's or a column of its table still has another type. */
function dropFirst(trigger: Trigger, retyped: Table['columns']): string {
  const table = qualifiedIdent(trigger.schema, trigger.table);
  const conditions = [differs(trigger), ...retyped.map((c) => `${currentColumnType(table, c.name)} IS DISTINCT FROM ${literal(c.type)}`)];
  return doBlock([`  IF ${conditions.join('\n     OR ')} THEN`, `    DROP TRIGGER IF EXISTS ${ident(trigger.name)} ON ${table};`, `  END IF;`]);
}
