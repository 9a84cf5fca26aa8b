/**
 * The one pipeline: two commits of a repository in, one Report out.
 *
 *   resolve (git: trees, configuration, starting points)
 *   → prepare (checkouts, Python, sandbox, Postgres relay, runner)
 *   → per database: read revisions → build fresh, upgraded, models → compare → diagnose → fix and verify
 *   → assemble the Report
 *
 * It never formats (renderers do) and never throws: whatever goes wrong becomes an
 * entry in `errors` that names the file, revision or setting at fault, and every
 * throwaway database and temporary folder is removed on the way out.
 */
import { DeadlineExceeded, PostgresUnavailable } from '../errors.js';
import { isAlive, type PostgresServer } from '../postgres/server.js';
import { ThrowawayDatabases } from '../postgres/throwaway.js';
import { assembleReport } from './assemble.js';
import { Clock } from './clock.js';
import { analyseDatabase, type DatabaseOutcome } from './database.js';
import { Preparation } from './prepare.js';
import type { CommitRef, Report, ReportError } from '../report/report.js';
import { toReportError } from './report-errors.js';
import type { AnalysisRequest } from './request.js';
import { resolveInputs } from './resolve.js';
import { matchGlobs } from '../workspace/globs.js';

export type { AnalysisRequest } from './request.js';

const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
/** No single statement of a migration may run longer (a data migration on empty tables is quick). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 2 * 60 * 1000;

export async function analyse(request: AnalysisRequest): Promise<Report> {
  const clock = new Clock();
  // The cache may serve many analyses: this one's lookups are those made while it runs.
  const lookupsBefore = { ...(request.cache?.lookups ?? { hits: 0, misses: 0 }) };
  const log = request.log ?? (() => {});
  const databases = new ThrowawayDatabases(request.server);
  const preparation = new Preparation(request, clock.time);
  const limit = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // The deadline and a cancellation reach every stage: the runner dies at once, and no stage starts after.
  // One controller for the deadline and a cancellation, held here with a plain timer:
  // signals made by AbortSignal.timeout()/any() may be collected, and then never fire.
  const controller = new AbortController();
  const stop = controller.signal;
  const deadline = setTimeout(() => controller.abort(new DeadlineExceeded(limit)), limit);
  const cancel = () => controller.abort(request.signal?.reason);
  request.signal?.addEventListener('abort', cancel);
  if (request.signal?.aborted) cancel();
  const onStop = () => preparation.kill();
  stop.addEventListener('abort', onStop);
  const outcomes: DatabaseOutcome[] = [];
  const errors: ReportError[] = [];
  const warnings: string[] = [];
  let startingPoints: CommitRef[] = [request.base];
  let sandboxed = false;
  let built = 0;
  try {
    const inputs = await resolveInputs(request, clock.time);
    startingPoints = inputs.starts.map((start) => start.ref);
    warnings.push(
      ...inputs.headConfig.assumptions.map((a) => `assumed: ${a}`),
      ...inputs.headConfig.warnings,
      ...versionMismatch(inputs.headConfig.postgres.version, request.server),
    );
    log(`run ${databases.runId}: throwaway databases are named driftbot_<time>_${databases.runId}_…`);
    const workspace = await preparation.open(inputs, databases, request.server, stop);
    sandboxed = workspace.sandboxed;
    warnings.push(...workspace.warnings);
    const cache = request.cache ? { templates: request.cache, common: { repository: request.repo, postgresVersion: request.server.version } } : null;
    const tools = {
      cache,
      databases,
      log,
      time: clock.time,
      scratch: workspace.scratch,
      statementTimeoutMs: request.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    };
    // The databases side by side: one's Python work overlaps another's waiting on Postgres
    // (copies, templates kept), on the same runners. Reported in the configuration's order;
    // one that fails leaves the others' outcomes standing.
    const analysed = await Promise.allSettled(
      inputs.headConfig.databases.map((database) => {
        stop.throwIfAborted();
        const starts = inputs.starts.map((start, i) => {
          const own = start.config?.databases.find((d) => d.name === database.name) ?? null;
          return { ref: start.ref.ref, tree: workspace.starts[i]!, database: own, modelFiles: own ? matchGlobs(start.files.paths, own.models) : [] };
        });
        return analyseDatabase(tools, { database, head: workspace.head, starts, config: inputs.headConfig, headFiles: inputs.headFiles, scope: request.scope ?? 'full' });
      }),
    );
    for (const result of analysed) {
      if (result.status === 'fulfilled') outcomes.push(result.value);
    }
    const failed = analysed.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (error) {
    errors.push(toReportError(error));
  } finally {
    built = databases.count;
    clearTimeout(deadline);
    request.signal?.removeEventListener('abort', cancel);
    stop.removeEventListener('abort', onStop);
    // The folder and runners go while the databases are dropped: neither needs the other.
    const [closed] = await Promise.allSettled([
      preparation.close(),
      request.keepDatabases ? null : clock.time('clean up', () => databases.dropAll()).catch((e) => errors.push(toReportError(e))),
    ]);
    if (closed.status === 'rejected') errors.push(toReportError(closed.reason));
  }
  if (databases.isolated === false) {
    warnings.push(
      'the Postgres server did not let driftbot create a role for this analysis, so migrations ran with its own credentials: use a server (or DRIFTBOT_DATABASE_URL user) that may CREATE ROLE, see README "Trust"',
    );
  }
  return assembleReport(request, {
    startingPoints,
    outcomes,
    errors,
    warnings,
    environment: {
      postgresVersion: request.server.version,
      databasesBuilt: built,
      server: request.server.label,
      runId: databases.runId,
      networkIsolated: sandboxed,
      sandboxed,
      cache: request.cache ? { hits: request.cache.lookups.hits - lookupsBefore.hits, misses: request.cache.lookups.misses - lookupsBefore.misses } : null,
    },
    phases: clock.phases,
    totalMs: clock.elapsed(),
    overriding: await overridingError(request, stop, errors, outcomes),
  });
}

/**
 * The App serves every repository from one server: a repository that names another
 * production major version is still analysed, and the report says on which.
 */
function versionMismatch(asked: number | null, server: PostgresServer): string[] {
  const major = Number.parseInt(server.version, 10);
  if (asked === null || !Number.isFinite(major) || major === asked) return [];
  return [
    `postgres.version asks for Postgres ${asked}, but this analysis ran on Postgres ${server.version} (${server.label}): behaviour that differs between the two is not checked`,
  ];
}

/** A deadline, or a server that died: then nothing found on the way describes the branch. */
async function overridingError(request: AnalysisRequest, stop: AbortSignal, errors: ReportError[], outcomes: DatabaseOutcome[]): Promise<ReportError | null> {
  if (stop.aborted && stop.reason instanceof DeadlineExceeded) return toReportError(stop.reason);
  const failed = errors.length > 0 || outcomes.some((o) => o.errors.length > 0 || o.upgradeFailure);
  if (failed && !(await isAlive(request.server))) return toReportError(new PostgresUnavailable(request.server.label));
  return null;
}
