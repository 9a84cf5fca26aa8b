/**
 * The TypeScript side of the Alembic runner: one Python process per analysis, spoken
 * to in JSON lines, one request at a time. A request that outlives its time limit
 * kills the whole process group (a migration's children too) and fails with the
 * command's name and the limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname } from 'node:path';
import { interpreterFolders, runnerScriptPath } from './python-env.js';
import { confinedCommand, type Confinement } from '../sandbox/sandbox.js';
import { onShutdown } from '../shutdown.js';
import { RunnerError } from '../errors.js';

export interface ScannedRevision {
  revision: string;
  downRevisions: string[];
  dependsOn: string[];
  branchLabels: string[];
  /** Repository-relative path. */
  path: string;
  /** Line of the `revision = …` assignment. */
  line: number;
  message: string;
}

export interface GraphProblem {
  kind: 'unreadable' | 'duplicate' | 'dangling' | 'cycle' | 'multiple-heads';
  message: string;
  path?: string;
  revision?: string;
}

export interface ScanResult {
  revisions: ScannedRevision[];
  heads: string[];
  bases: string[];
  /** Revision ids, base → head. */
  order: string[];
  problems: GraphProblem[];
}

export interface AppliedRevision {
  revision: string;
  path: string;
  /** Every SQL statement the revision executed (its version-table update included). */
  statements: string[];
}

export interface MigrationFailureInfo {
  revision: string;
  path: string;
  line: number | null;
  error: string;
}

export interface StandInInfo {
  module: string;
  importedFrom: string | null;
}

export interface UpgradeResult {
  applied: AppliedRevision[];
  standIns: StandInInfo[];
  failure: MigrationFailureInfo | null;
}

export interface ModelColumn {
  name: string;
  attribute: string;
  path: string;
  line: number;
  /** The class whose body declares it: the model, or a mixin. */
  className: string | null;
}

export interface ModelTable {
  schema: string;
  name: string;
  className: string | null;
  path: string;
  line: number;
  columns: ModelColumn[];
}

export interface ModelsResult {
  tables: ModelTable[];
  standIns: StandInInfo[];
  errors: { path: string; message: string }[];
  /** What the build left out to get through (a foreign key to a table no model declares). */
  warnings: string[];
}

export interface TreeArgs {
  pythonPaths: string[];
  stubMissingImports: boolean;
  /** The materialized repository tree; paths in results are relative to it. */
  root: string;
  /** The project's settings for this side, set in the runner's environment for the request. */
  env?: Record<string, string>;
  /** Mount points' links (in the scratch folder) and the folder of this side each points at. */
  mounts?: { link: string; target: string }[];
}

export interface RunnerOptions {
  python: string;
  /** The runner's whole environment: the caller decides what it may see. */
  env: Record<string, string>;
  cwd: string;
  timeoutMs: number;
  /** Limits the runner sets on itself before any repository code runs. */
  limits?: RunnerLimits;
  /**
   * What the runner may see when it runs in the sandbox (sandbox/sandbox.ts); null runs
   * it unconfined. The interpreter and the runner's own folder are added read-only.
   */
  confinement?: Confinement | null;
  /**
   * The folders the interpreter needs, given when it must not be asked: an environment the
   * pull request's packages were installed into runs their `.pth` files at start-up, so it
   * only ever runs in the sandbox. Default: asked of the interpreter (the operator's).
   */
  interpreterFolders?: string[];
  log?: (line: string) => void;
}

export interface RunnerLimits {
  /** Address space, in bytes. */
  memoryBytes?: number;
  /** Largest file it may write, in bytes. */
  fileSizeBytes?: number;
  /** CPU time of the runner process, in seconds. */
  cpuSeconds?: number;
  /** Processes of the sandbox's user; only meaningful inside the sandbox. */
  processes?: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class AlembicRunner {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stderrTail: string[] = [];
  private exited: string | null = null;

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: RunnerOptions,
  ) {}

  static async start(options: RunnerOptions): Promise<AlembicRunner> {
    const runner = [options.python, '-u', runnerScriptPath()];
    const argv = options.confinement
      ? await confinedCommand(runner, {
          ...options.confinement,
          readOnly: [...options.confinement.readOnly, dirname(runnerScriptPath()), ...(options.interpreterFolders ?? (await interpreterFolders(options.python)))],
        })
      : runner;
    const [command, ...args] = argv;
    const child = spawn(command!, args, {
      cwd: options.cwd,
      env: { ...options.env, ...limitVariables(options.limits ?? {}) },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so a time limit can kill whatever a migration spawned.
      detached: true,
    });
    const started = new AlembicRunner(child, options);
    started.listen();
    // Its own process group outlives us unless it is killed with us.
    const unregister = onShutdown(() => started.kill());
    child.once('exit', unregister);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => {
        unregister();
        reject(new RunnerError(`cannot start the Alembic runner with ${options.python}: ${error.message}`));
      });
    });
    return started;
  }

  /** With `known`, the readings of files by path from the root whose bytes the caller vouches for: only the others are parsed. */
  scan(args: { versions: string; root: string; known?: Record<string, ScannedRevision> }): Promise<ScanResult> {
    return this.request('scan', args);
  }

  /**
   * Applies a chain up to its heads, or up to `target` (one revision and its ancestors),
   * with `schema` as the search_path and the version table's schema; with `stamp`, only
   * records the heads in the version table (`alembic stamp head`).
   */
  upgrade(
    args: TreeArgs & {
      url: string;
      versions: string;
      /** More folders of revisions read as part of the chain (a fix being verified): `versions` is never copied. */
      extraVersions?: string[];
      versionTable: string;
      schema?: string | null;
      stamp?: boolean;
      statementTimeoutMs?: number;
      target?: string;
    },
  ): Promise<UpgradeResult> {
    return this.request('upgrade', args);
  }

  /** `create_all` of the models in the files; tables without a schema land in the one of `chainSchemas` the models name for no table. */
  buildModels(args: TreeArgs & { url: string; files: string[]; skip?: string[]; chainSchemas?: string[]; statementTimeoutMs?: number }): Promise<ModelsResult> {
    return this.request('models', args);
  }

  /**
   * Ends the runner and whatever it started. It keeps nothing worth a graceful exit (its
   * databases are dropped by the analysis, WITH (FORCE)), and Python's own teardown of
   * SQLAlchemy, Alembic and the project's modules took 50-100 ms an analysis waited for.
   */
  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.kill();
    await exited;
    this.killGroup();
  }

  /** Whatever a migration spawned into the runner's process group dies with it. */
  private killGroup(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // Nothing left in the group.
    }
  }

  private request<T>(command: string, args: object): Promise<T> {
    const run = () => this.send<T>(command, args);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  private send<T>(command: string, args: object): Promise<T> {
    if (this.exited) return Promise.reject(new RunnerError(`the Alembic runner is not running (${this.exited})`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.kill();
        reject(new RunnerError(`the Alembic runner's "${command}" took longer than the limit of ${seconds(this.options.timeoutMs)} and was stopped`));
      }, this.options.timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.stdin!.write(`${JSON.stringify({ id, command, ...args })}\n`);
    });
  }

  private listen(): void {
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let message: { id: number; ok: boolean; result?: unknown; error?: { message: string; traceback: string } };
      try {
        message = JSON.parse(line);
      } catch {
        this.options.log?.(line);
        return;
      }
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (message.ok) pending.resolve(message.result);
      else {
        this.options.log?.(message.error?.traceback ?? '');
        pending.reject(new RunnerError(message.error?.message ?? 'the Alembic runner failed'));
      }
    });
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
      this.options.log?.(line);
    });
    this.child.stdin!.on('error', () => {});
    this.child.on('exit', (code, signal) => {
      this.exited = signal ? `killed by ${signal}` : `exited with code ${code}`;
      const error = new RunnerError(`the Alembic runner ${this.exited}${this.stderrTail.length ? `:\n${this.stderrTail.join('\n')}` : ''}`);
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
    });
  }

  kill(): void {
    if (this.child.pid === undefined) return;
    if (this.exited) {
      this.killGroup();
      return;
    }
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }
}

function limitVariables(limits: RunnerLimits): Record<string, string> {
  const variables: Record<string, number | undefined> = {
    DRIFTBOT_RUNNER_MEMORY_LIMIT: limits.memoryBytes,
    DRIFTBOT_RUNNER_FILE_SIZE_LIMIT: limits.fileSizeBytes,
    DRIFTBOT_RUNNER_CPU_LIMIT: limits.cpuSeconds,
    DRIFTBOT_RUNNER_PROCESS_LIMIT: limits.processes,
  };
  return Object.fromEntries(
    Object.entries(variables)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, String(Math.floor(value!))]),
  );
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
