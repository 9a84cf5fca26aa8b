/** What an analysis is asked to do: the input of the pipeline (analyse.ts). */
import type { PostgresServer } from '../postgres/server.js';
import type { TemplateCache } from '../postgres/template-cache.js';
import type { AnalysisScope, CommitRef } from '../report/report.js';
import type { SpareStarts } from './spare-start.js';
import type { RunnerBudget } from '../alembic/runner-pool.js';

export interface AnalysisRequest {
  /** A local git repository. */
  repo: string;
  base: CommitRef;
  head: CommitRef;
  /** A configuration file that replaces the repository's own (`--config`), for both commits. */
  configFile?: { path: string; text: string } | null;
  server: PostgresServer;
  /** Progress, one line at a time. */
  log?: (message: string) => void;
  /** Leave the throwaway databases in place for inspection. */
  keepDatabases?: boolean;
  /** More starting points for upgraded databases besides base (`--upgrade-from`): refs, or tag globs with a count (`v*~3`). */
  upgradeFrom?: string[];
  /** Limit for the whole analysis (default 30 minutes): past it, everything stops. */
  timeoutMs?: number;
  /** Limit for any single runner step (a migration chain, the models). */
  stepTimeoutMs?: number;
  /** Limit for any single SQL statement a migration runs. */
  statementTimeoutMs?: number;
  /** Address-space limit of the runner process. */
  memoryLimitBytes?: number;
  /** The Python that runs the migrations: the operator's (`--python`, DRIFTBOT_PYTHON), never the repository's. Default: driftbot's managed environment. */
  python?: string | null;
  /** Run repository code in the sandbox (default): where the platform has none, the report warns; false runs it unconfined. */
  sandbox?: boolean;
  /** `static` reads git and the revision files (parsed, never run) and stops there: for pull requests whose code may not run automatically. */
  scope?: AnalysisScope;
  /**
   * Where built histories and models builds are kept across analyses (postgres/template-cache.ts),
   * made by the edge for this repository; null or absent: nothing is kept, everything is built.
   */
  cache?: TemplateCache | null;
  /** Runner processes this analysis may use at once, its builds side by side (default: the machine's cores). */
  runners?: number;
  /** Runners shared with the other analyses running at once (the App's): beyond its first, this one starts them only while it has room. */
  runnerBudget?: RunnerBudget | null;
  /** The App's analyses begun before they arrive (spare-start.ts): this one takes the spare if it fits. */
  spares?: SpareStarts | null;
  /** Cancels the analysis (a newer push): the runner is stopped and nothing more is built. */
  signal?: AbortSignal;
}
