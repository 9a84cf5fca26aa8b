/** Steps for functions, views and triggers: (re)create from the target's own definition. */
import type { Schema } from '../schema/schema.js';
import { doBlock, ident, literal, qualifiedIdent } from './sql.js';
import { Phase, disabledStep, step, type PlannedStep } from './step.js';

export function functionSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const keyOf = (f: { schema: string; name: string; identityArguments: string }) => `${f.schema}.${f.name}(${f.identityArguments})`;
  const currentFunctions = current.map((schema) => new Map(schema.functions.map((f) => [keyOf(f), f])));
  return target.functions
    .filter((f) => currentFunctions.some((functions) => functions.get(keyOf(f))?.statement !== f.statement))
    .map((f) => step(Phase.function, `function:${keyOf(f)}`, f.statement.trim()));
}

export function viewSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const keyOf = (v: { schema: string; name: string }) => `${v.schema}.${v.name}`;
  const currentViews = current.map((schema) => new Map(schema.views.map((v) => [keyOf(v), v])));
  for (const view of target.views) {
    const versions = currentViews.map((views) => views.get(keyOf(view)));
    if (versions.every((v) => v?.query === view.query && v.materialized === view.materialized)) continue;
    const name = qualifiedIdent(view.schema, view.name);
    const kind = view.materialized ? 'MATERIALIZED VIEW' : 'VIEW';
    const query = view.query.trim().replace(/;$/, '');
    const body = [
      `IF (SELECT pg_get_viewdef(to_regclass(${literal(name)}), true)) IS DISTINCT FROM ${literal(view.query)} THEN`,
      `  DROP ${kind} IF EXISTS ${name};`,
      `  CREATE ${kind} ${name} AS ${query};`,
      `END IF;`,
    ].join('\n');
    steps.push(step(Phase.view, `view:${keyOf(view)}`, doBlock(body)));
  }
  for (const key of new Set(currentViews.flatMap((views) => [...views.keys()]))) {
    if (target.views.some((v) => keyOf(v) === key)) continue;
    const view = currentViews.map((views) => views.get(key)).find(Boolean)!;
    const sql = `DROP ${view.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} IF EXISTS ${qualifiedIdent(view.schema, view.name)}`;
    steps.push(disabledStep(Phase.removal, `view:${key}`, sql, `${view.name} exists only on upgraded databases; drop it once nothing reads it.`));
  }
  return steps;
}

export function triggerSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const keyOf = (t: { schema: string; table: string; name: string }) => `${t.schema}.${t.table}.${t.name}`;
  const currentTriggers = current.map((schema) => new Map(schema.triggers.map((t) => [keyOf(t), t])));
  for (const trigger of target.triggers) {
    if (currentTriggers.every((triggers) => triggers.get(keyOf(trigger))?.statement === trigger.statement)) continue;
    const table = qualifiedIdent(trigger.schema, trigger.table);
    steps.push(step(Phase.trigger, `trigger:${keyOf(trigger)}`, doBlock(`DROP TRIGGER IF EXISTS ${ident(trigger.name)} ON ${table};\n${trigger.statement.trim()};`)));
  }
  for (const key of new Set(currentTriggers.flatMap((triggers) => [...triggers.keys()]))) {
    if (target.triggers.some((t) => keyOf(t) === key)) continue;
    const trigger = currentTriggers.map((triggers) => triggers.get(key)).find(Boolean)!;
    if (!target.tables.some((t) => t.schema === trigger.schema && t.name === trigger.table)) continue;
    steps.push(step(Phase.removal, `trigger:${key}`, `DROP TRIGGER IF EXISTS ${ident(trigger.name)} ON ${qualifiedIdent(trigger.schema, trigger.table)}`, [`${trigger.name} exists only on upgraded databases.`]));
  }
  return steps;
}
