/**
 * Ties each finding to the revision that makes the object what it is on fresh
 * installs (or on old ones, for objects only they have), with file and line, and says
 * why installs disagree: the revision was edited in place, inserted into history,
 * re-parented, or deleted. It reads the SQL each revision really ran, so raw
 * `op.execute` statements count as much as `op.add_column`.
 */
import type { Cause, CauseKind, EditedMigration, Finding } from '../report/report.js';

export interface RevisionRun {
  revision: string;
  /** Repository-relative path of the revision file. */
  path: string;
  statements: string[];
  /** The revision file's text, to find the line. */
  content: string;
}

export interface CauseEvidence {
  /** Revisions applied to the fresh database, in order (head's history). */
  headRuns: RevisionRun[];
  /** Revisions applied from base's tree when building the upgraded database, in order. */
  baseRuns: RevisionRun[];
  edited: EditedMigration[];
  /** Revision ids base has (any chain of this database). */
  baseRevisions: Set<string>;
  /** Head's revision graph: revision → its down revisions. */
  headParents: Map<string, string[]>;
}

export function attachCauses(findings: Finding[], evidence: CauseEvidence): Finding[] {
  const inserted = insertedRevisions(evidence);
  return findings.map((finding) => {
    const onlyOld = finding.difference === 'only-on-upgraded';
    const runs = onlyOld ? evidence.baseRuns : evidence.headRuns;
    const run = lastRunTouching(runs, finding);
    if (!run) return finding;
    const cause: Cause = {
      revision: run.revision,
      path: run.path,
      line: lineOf(run.content, finding.name) ?? lineOf(run.content, finding.table ?? finding.name),
      kind: causeKind(run.revision, evidence, inserted),
    };
    return { ...finding, cause };
  });
}

function causeKind(revision: string, evidence: CauseEvidence, inserted: Set<string>): CauseKind {
  const edit = evidence.edited.find((e) => e.revision === revision);
  if (edit) {
    if (edit.changes.includes('deleted')) return 'deleted';
    if (edit.changes.includes('modified')) return 'edited-in-place';
    if (edit.changes.includes('reparented')) return 'reparented';
  }
  if (inserted.has(revision)) return 'inserted-into-history';
  return 'created-by';
}

/**
 * Revisions new on head that sit below a revision base already has: a database at
 * base's head is past them, so Alembic will never run them there.
 */
function insertedRevisions(evidence: CauseEvidence): Set<string> {
  const below = new Set<string>();
  const pending = [...evidence.baseRevisions].flatMap((revision) => evidence.headParents.get(revision) ?? []);
  while (pending.length) {
    const revision = pending.pop()!;
    if (below.has(revision)) continue;
    below.add(revision);
    pending.push(...(evidence.headParents.get(revision) ?? []));
  }
  return new Set([...below].filter((revision) => !evidence.baseRevisions.has(revision)));
}

/** The last revision whose SQL names the object (and its table, for objects in a table). */
function lastRunTouching(runs: RevisionRun[], finding: Finding): RevisionRun | null {
  const names = [finding.name, ...(finding.table ? [finding.table] : [])].map(unqualified);
  for (let i = runs.length - 1; i >= 0; i--) {
    const run = runs[i]!;
    if (run.statements.some((sql) => names.every((name) => mentions(sql, name)))) return run;
  }
  return null;
}

/** The first line after `def upgrade` that names `name` as a whole word. */
export function lineOf(content: string, name: string): number | null {
  const lines = content.split('\n');
  const start = Math.max(
    0,
    lines.findIndex((line) => /^\s*def upgrade\b/.test(line)),
  );
  const target = unqualified(name);
  for (let i = start; i < lines.length; i++) if (mentions(lines[i]!, target)) return i + 1;
  return null;
}

function mentions(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_])${escaped}($|[^A-Za-z0-9_])`).test(text);
}

function unqualified(name: string): string {
  return name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : name;
}
