/**
 * Which revisions that base already has were changed on head, from the revision files
 * themselves (read statically, never run). Alembic tracks applied revisions by id, so
 * any of these changes is invisible to a database that already ran the revision.
 */
import type { EditedMigration, MigrationChange } from '../report/report.js';

export interface RevisionFile {
  revision: string;
  downRevisions: string[];
  /** Repository-relative path. */
  path: string;
  /** File content, for comparing base's and head's versions. */
  content: string;
}

export interface ChainRevisions {
  database: string;
  /** Versions folder as configured on head. */
  chain: string;
  base: RevisionFile[];
  head: RevisionFile[];
}

export function findEditedMigrations(chain: ChainRevisions): EditedMigration[] {
  const onHead = new Map(chain.head.map((file) => [file.revision, file]));
  const edited: EditedMigration[] = [];
  for (const before of chain.base) {
    const after = onHead.get(before.revision);
    const changes: MigrationChange[] = [];
    if (!after) {
      changes.push('deleted');
    } else {
      if (!sameList(before.downRevisions, after.downRevisions)) changes.push('reparented');
      if (withoutParentage(before.content) !== withoutParentage(after.content)) changes.push('modified');
      if (before.path !== after.path) changes.push('renamed');
    }
    const [change] = changes;
    if (!change) continue;
    edited.push({
      database: chain.database,
      revision: before.revision,
      path: after?.path ?? before.path,
      change,
      changes,
      basePath: after && after.path !== before.path ? before.path : after ? null : before.path,
      baseDownRevision: changes.includes('reparented') ? before.downRevisions : null,
      headDownRevision: changes.includes('reparented') && after ? after.downRevisions : null,
      chain: chain.chain,
    });
  }
  return edited;
}

/**
 * A re-parented revision has a new `down_revision` line (and `Revises:` in its
 * docstring): that is the re-parenting itself, not an edit of what it does.
 */
function withoutParentage(content: string): string {
  return content
    .split('\n')
    .filter((line) => !/^\s*down_revision\b/.test(line) && !/^\s*Revises:/.test(line))
    .join('\n')
    .trimEnd();
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().every((value, i) => value === [...b].sort()[i]);
}
