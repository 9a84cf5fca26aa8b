/**
 * Steps for views and materialized views: (re)created from the target's query where
 * it differs. A plain view is replaced in place when its columns allow it, dropped
 * and created when they changed; a materialized view is always dropped and created.
 */
import type { Schema, View } from '../schema/schema.js';
import { viewKey } from '../schema/kinds/views.js';
import { compareObjects, outOfDate, present } from './compare.js';
import { doBlock, literal, qualifiedIdent } from './sql.js';
import { disabledStep, step, type PlannedStep } from './step.js';

export function viewSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(
    target.views,
    current.map((s) => s.views),
    viewKey,
  );
  for (const { key, target: view, versions } of dependencyOrder(wanted)) {
    const same = (v: View) => v.query === view.query && v.materialized === view.materialized;
    if (!outOfDate(versions, same)) continue;
    const comments = present(versions).length ? [`${view.name} differs on some installs: replaced where its query differs.`] : [];
    steps.push(step('view', key, view.materialized ? recreateMaterialized(view) : replaceView(view), comments));
  }
  for (const { key, object: view } of extra) {
    const kind = view.materialized ? 'MATERIALIZED VIEW' : 'VIEW';
    steps.push(
      disabledStep(
        'removal',
        key,
        `DROP ${kind} IF EXISTS ${qualifiedIdent(view.schema, view.name)}`,
        `${view.name} exists only on databases upgraded from older revisions: drop it once no report or code reads it.`,
      ),
    );
  }
  return steps;
}

/**
 * Only where the view is missing, of the other kind, or reads another query. Queries
 * are compared with whitespace folded, as schema entries compare them, which keeps the
 * literal on one line.
 */
function guard(view: View, name: string): string {
  const kind = `(SELECT relkind::text FROM pg_class WHERE oid = to_regclass(${literal(name)}))`;
  const query = `btrim(regexp_replace(pg_get_viewdef(to_regclass(${literal(name)}), true), '[[:space:]]+', ' ', 'g'))`;
  return `  IF ${kind} IS DISTINCT FROM '${view.materialized ? 'm' : 'v'}' OR ${query} IS DISTINCT FROM ${literal(fold(view.query))} THEN`;
}

function fold(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Drops what stands under the name when it is the other kind of view. */
function dropOtherKind(view: View, name: string): string[] {
  const other = view.materialized ? 'v' : 'm';
  return [
    `    IF (SELECT relkind::text FROM pg_class WHERE oid = to_regclass(${literal(name)})) = '${other}' THEN`,
    `      DROP ${view.materialized ? 'VIEW' : 'MATERIALIZED VIEW'} ${name};`,
    `    END IF;`,
  ];
}

function body(view: View): string {
  return view.query.trim().replace(/;$/, '');
}

function replaceView(view: View): string {
  const name = qualifiedIdent(view.schema, view.name);
  return doBlock([
    guard(view, name),
    ...dropOtherKind(view, name),
    `    BEGIN`,
    `      CREATE OR REPLACE VIEW ${name} AS ${body(view)};`,
    // Columns renamed, removed or retyped: OR REPLACE refuses, so the view is rebuilt.
    `    EXCEPTION WHEN invalid_table_definition THEN`,
    `      DROP VIEW ${name};`,
    `      CREATE VIEW ${name} AS ${body(view)};`,
    `    END;`,
    `  END IF;`,
  ]);
}

function recreateMaterialized(view: View): string {
  const name = qualifiedIdent(view.schema, view.name);
  return doBlock([
    guard(view, name),
    ...dropOtherKind(view, name),
    `    DROP MATERIALIZED VIEW IF EXISTS ${name};`,
    `    CREATE MATERIALIZED VIEW ${name} AS ${body(view)};`,
    `  END IF;`,
  ]);
}

/** Views that others read come first (a view names another in its query). */
function dependencyOrder<T extends { target: View }>(items: T[]): T[] {
  const ordered: T[] = [];
  const visiting = new Set<T>();
  const visit = (item: T) => {
    if (ordered.includes(item) || visiting.has(item)) return;
    visiting.add(item);
    for (const other of items) if (other !== item && mentions(item.target.query, other.target)) visit(other);
    ordered.push(item);
  };
  items.forEach(visit);
  return ordered;
}

function mentions(query: string, view: View): boolean {
  const name = qualifiedIdent(view.schema, view.name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w"])${name}($|[^\\w"])`).test(query);
}
