/** Steps for triggers: recreated from the target's definition where it differs, dropped where only old installs have one. */
import type { Schema, Trigger } from '../schema/schema.js';
import { triggerKey } from '../schema/kinds/triggers.js';
import { compareObjects, onKeptTables, outOfDate } from './compare.js';
import { doBlock, ident, literal, qualifiedIdent } from './sql.js';
import { onTable, step, type PlannedStep } from './step.js';

export function triggerSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(
    target.triggers,
    current.map((s) => s.triggers),
    triggerKey,
  );
  for (const { key, target: trigger, versions } of wanted) {
    if (!outOfDate(versions, (v) => v.statement === trigger.statement)) continue;
    steps.push(...onTable({ schema: trigger.schema, name: trigger.table }, [step('trigger', key, recreate(trigger))]));
  }
  for (const { key, object: trigger } of onKeptTables(target, extra)) {
    const sql = `DROP TRIGGER IF EXISTS ${ident(trigger.name)} ON ${qualifiedIdent(trigger.schema, trigger.table)}`;
    steps.push(
      ...onTable({ schema: trigger.schema, name: trigger.table }, [step('obsolete', key, sql, [`${trigger.name} exists only on databases upgraded from older revisions.`])]),
    );
  }
  return steps;
}

/** `DROP TRIGGER IF EXISTS` and `CREATE TRIGGER`, only where its definition is not the target's. */
function recreate(trigger: Trigger): string {
  const table = qualifiedIdent(trigger.schema, trigger.table);
  return doBlock([
    `  IF (SELECT pg_get_triggerdef(oid, true) FROM pg_trigger WHERE tgrelid = ${literal(table)}::regclass AND tgname = ${literal(trigger.name)}) IS DISTINCT FROM ${literal(trigger.statement)} THEN`,
    `    DROP TRIGGER IF EXISTS ${ident(trigger.name)} ON ${table};`,
    `    ${trigger.statement.trim()};`,
    `  END IF;`,
  ]);
}
