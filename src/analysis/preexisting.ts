/**
 * Models that already disagreed with the migrations before this pull request: a
 * difference between head's models and head's fresh install is this branch's only if
 * the branch touched one side of it — a model file that declares the object, or a new
 * or edited revision whose statements name its table. Otherwise base had it too (the
 * same migrations, the same models), and it is said as a warning, not as this pull
 * request's finding. Pure.
 */
import type { Finding } from '../report/report.js';
import type { Schema } from '../schema/schema.js';
import type { RevisionRun } from './causes.js';

export interface PullRequestChanges {
  /** Revisions head runs that base did not have, or that head edited. */
  newOrEditedRuns: RevisionRun[];
  /** Whether head changed a repository file (a model file) since base. */
  changed: (path: string) => boolean;
  /** The files that declare each table's model (its class, its columns' mixins). */
  declaredIn: (table: string) => string[];
}

const MODELS_ONLY = new Set<Finding['difference']>(['differs-from-models', 'missing-in-migrations']);

export function splitPreexisting(findings: Finding[], changes: PullRequestChanges): { findings: Finding[]; preexisting: Finding[] } {
  const kept: Finding[] = [];
  const preexisting: Finding[] = [];
  for (const finding of findings) {
    const table = finding.table ?? (finding.object === 'table' ? finding.name : null);
    const untouched =
      MODELS_ONLY.has(finding.difference) &&
      table !== null &&
      ![...changes.declaredIn(table), ...finding.references.map((r) => r.path)].some(changes.changed) &&
      !changes.newOrEditedRuns.some((run) => run.statements.some((statement) => namesTable(statement, table)));
    (untouched ? preexisting : kept).push(finding);
  }
  return { findings: kept, preexisting };
}

/** Whether a statement names the table (bare or quoted, maybe schema-qualified). */
export function namesTable(statement: string, table: string): boolean {
  const name = table
    .split('.')
    .pop()!
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_$])"?${name}"?([^A-Za-z0-9_$]|$)`, 'i').test(statement);
}

/**
 * The models as the fix should target them: where a difference was already there on
 * base, the migrations' own definition (the fix repairs what this branch did, not what
 * the project lived with before it).
 */
export function modelsForFix(models: Schema | null, preexisting: Finding[], fresh: Schema): Schema | null {
  if (!models || preexisting.length === 0) return models;
  const named = (t: { schema: string; name: string }) => (t.schema === 'public' ? t.name : `${t.schema}.${t.name}`);
  const tables = new Set(preexisting.filter((f) => f.object === 'table').map((f) => f.name));
  const columns = new Set(preexisting.filter((f) => f.object === 'column').map((f) => `${f.table}\u0000${f.name}`));
  // A constraint or index the models say nothing about is the migrations' to choose.
  const declared = (kind: string) => new Set(preexisting.filter((f) => f.object === kind).map((f) => `${f.table}\u0000${f.name}`));
  const [constraints, indexes] = [declared('constraint'), declared('index')];
  const on = (o: { schema: string; table: string; name: string }) => `${o.schema === 'public' ? o.table : `${o.schema}.${o.table}`}\u0000${o.name}`;
  return {
    ...models,
    constraints: models.constraints.filter((c) => !constraints.has(on(c))),
    indexes: models.indexes.filter((i) => !indexes.has(on(i))),
    tables: models.tables
      .filter((table) => !tables.has(named(table)))
      .map((table) => {
        const own = fresh.tables.find((t) => named(t) === named(table));
        return {
          ...table,
          columns: table.columns.map((column) => (columns.has(`${named(table)}\u0000${column.name}`) ? (own?.columns.find((c) => c.name === column.name) ?? column) : column)),
        };
      }),
  };
}
