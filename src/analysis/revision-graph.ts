/**
 * Problems in a chain's revision graph, found statically, reported as findings rather
 * than crashes: two heads (`alembic upgrade head` refuses to run), a `down_revision`
 * that names nothing, duplicate ids, a cycle. For these findings `fresh` holds the
 * problem as head's graph shows it.
 */
import type { ScanResult } from '../alembic/bridge.js';
import type { Finding } from './report.js';

export function graphFindings(database: string, chain: string, scan: ScanResult): Finding[] {
  return scan.problems
    .filter((problem) => problem.kind !== 'unreadable')
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
