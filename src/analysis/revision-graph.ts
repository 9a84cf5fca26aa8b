/**
 * Problems in a chain's revision graph, found statically, reported as findings rather
 * than crashes: two heads (`alembic upgrade head` refuses to run), a `down_revision`
 * that names nothing, duplicate ids, a cycle. For these findings `fresh` holds the
 * problem as head's graph shows it.
 */
import type { ScanResult } from '../alembic/bridge.js';
import type { Finding } from '../report/report.js';

/** Problems that leave Alembic unable to run the chain at all (or run it by chance). */
export const UNBUILDABLE = new Set(['dangling', 'cycle', 'duplicate']);

export function graphFindings(database: string, chain: string, scan: ScanResult): Finding[] {
  // A dangling down_revision or a cycle makes extra "heads" too: the cause says it all.
  const broken = scan.problems.some((problem) => problem.kind === 'dangling' || problem.kind === 'cycle');
  return scan.problems
    .filter((problem) => problem.kind !== 'unreadable' && !(broken && problem.kind === 'multiple-heads'))
    .map((problem) => ({
      database,
      object: 'revision-graph' as const,
      table: null,
      name: problem.kind,
      fresh: problem.message,
      upgraded: null,
      models: null,
      cause: problem.revision && problem.path ? { revision: problem.revision, path: problem.path, line: null, kind: 'created-by' as const } : null,
      references: [],
      difference: 'revision-graph' as const,
      breaksCode: false,
      startingPoints: [chain],
    }));
}
