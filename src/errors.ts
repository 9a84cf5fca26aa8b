/**
 * The failures an analysis can end in, as types rather than strings, so that one place
 * (`toReportError` in analysis/report-errors.ts) turns each into the report's error —
 * with the file, revision or setting at fault — instead of guessing from a message.
 * This module imports nothing: every floor may throw these.
 */

/** git could not read a commit or a tree (a bad ref, a missing object, a damaged clone). */
export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    message: string,
    /** git's exit code; null when git could not be started or was not run. */
    readonly exitCode: number | null = null,
  ) {
    super(message);
  }
}

/** A migration failed: names the revision, its file and line. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    message: string,
    readonly revision: string | null,
    readonly path: string | null,
    readonly line: number | null = null,
  ) {
    super(message);
  }
}

/** The Alembic runner could not start, died, or broke its protocol. */
export class RunnerError extends Error {
  override readonly name = 'RunnerError';
}

/** The analysis ran past its time limit and was stopped. */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
  constructor(readonly limitMs: number) {
    super(`the analysis took longer than its limit of ${formatDuration(limitMs)} and was stopped`);
  }
}

/** The Postgres server stopped answering: nothing is known about the branch. */
export class PostgresUnavailable extends Error {
  override readonly name = 'PostgresUnavailable';
  constructor(readonly server: string) {
    super(`the Postgres server (${server}) stopped answering during the analysis: nothing is known about this branch, run it again`);
  }
}

export function formatDuration(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
}
