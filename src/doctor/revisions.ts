/**
 * A summary of a versions folder read as text, never run: each file's `revision = "…"`
 * and `down_revision = …`, and the heads (revisions nothing revises). Approximate: a
 * revision id computed in Python, or a file in a folder Alembic would not scan, is
 * read as written; the analysis itself asks Alembic.
 */
import { posix } from 'node:path';

export interface RevisionSummary {
  /** Revision files found (files that assign both). */
  count: number;
  heads: string[];
}

const REVISION = /^revision\s*(?::[^=\n]+)?=\s*['"]([^'"\n]+)['"]/m;
const DOWN_REVISION = /^down_revision\s*(?::[^=\n]+)?=\s*([^\n]*)/m;

export function summarizeRevisions(files: { path: string; text: string }[]): RevisionSummary {
  const ids: string[] = [];
  const revised = new Set<string>();
  for (const { path, text } of files) {
    if (!path.endsWith('.py') || posix.basename(path) === '__init__.py') continue;
    const id = REVISION.exec(text)?.[1];
    const down = DOWN_REVISION.exec(text)?.[1];
    if (!id || down === undefined) continue;
    ids.push(id);
    // `None`, `"a"`, `("a", "b")`: every quoted id is a parent.
    for (const match of down.matchAll(/['"]([^'"\n]+)['"]/g)) revised.add(match[1]!);
  }
  return { count: ids.length, heads: ids.filter((id) => !revised.has(id)).sort() };
}
