/**
 * The one pipeline: two commits of a repository in, one Report out.
 *
 *   trees → configuration → revision files (static) → builds (fresh, upgraded, models)
 *   → findings → causes and code references → fix → verification → Report
 *
 * It never formats (renderers do) and never throws: whatever goes wrong becomes an
 * entry in `errors` that names the file, revision or setting at fault, and every
 * throwaway database and temporary folder is removed on the way out.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { AlembicRunner, type ScanResult } from '../alembic/bridge.js';
import { ensurePythonEnvironment } from '../alembic/python-env.js';
import { detectSandbox } from '../sandbox/sandbox.js';
import { openRelay, relayTarget, type PostgresRelay } from '../sandbox/postgres-relay.js';
import type { DatabaseConfig, DriftbotConfig } from '../config/config.js';
import { CONFIG_PATHS, ConfigError, loadConfig, parseConfig } from '../config/load.js';
import { isAlive, type PostgresServer } from '../postgres/server.js';
import { ThrowawayDatabases } from '../postgres/throwaway.js';
import { onShutdown } from '../shutdown.js';
import { schemaDump } from '../schema/dump.js';
import type { Schema } from '../schema/schema.js';
import { materialize } from '../workspace/git.js';
import { repoFilesAt, type RepoFiles } from '../workspace/repo-files.js';
import { buildDatabase, type BuildTools, type StartingPoint, type Tree } from './builds.js';
import { startingPoints } from '../workspace/starting-points.js';
import { attachCauses } from './causes.js';
import { attachModelReferences, findBreakingCode, type ModelDeclaration, type SourceFile } from './code-references.js';
import { findEditedMigrations, type RevisionFile } from './edited-migrations.js';
import { compareBuilds } from './findings.js';
import { matchGlobs } from './model-files.js';
import { proposeFix } from './propose-fix.js';
import { graphFindings, UNBUILDABLE } from './revision-graph.js';
import { REPORT_SCHEMA_VERSION, type AnalysisScope, type CommitRef, type Finding, type Report } from './report.js';

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
  /**
   * More starting points for upgraded databases besides base (`--upgrade-from`): refs,
   * or tag globs with a count (`v*~3`: the last three tags matching `v*`). Added to the
   * configuration's `upgrade_from`.
   */
  upgradeFrom?: string[];
  /** Limit for the whole analysis (default 30 minutes): past it, the runner is stopped. */
  timeoutMs?: number;
  /** Limit for any single runner step (a migration chain, the models). */
  stepTimeoutMs?: number;
  /** Limit for any single SQL statement a migration runs. */
  statementTimeoutMs?: number;
  /** Address-space limit of the runner process. */
  memoryLimitBytes?: number;
  /**
   * The Python that runs the migrations (with alembic, SQLAlchemy 2 and a psycopg driver):
   * the operator's choice (`--python`, DRIFTBOT_PYTHON), never the repository's. Default:
   * driftbot's managed environment.
   */
  python?: string | null;
  /**
   * Run repository code in the sandbox (sandbox/sandbox.ts). Default true: used where the
   * platform has it, and the report warns where it does not; false runs it unconfined.
   */
  sandbox?: boolean;
  /**
   * `static` reads git and the revision files (parsed, never run) and stops there: for
   * pull requests whose code may not run automatically. Default `full`.
   */
  scope?: AnalysisScope;
}

const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
const DEFAULT_STEP_TIMEOUT_MS = 10 * 60 * 1000;
/** No single statement of a migration may run longer (a data migration on empty tables is quick). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 2 * 60 * 1000;
/** The runner's address space: generous for Alembic and SQLAlchemy, fatal for a runaway allocation. */
const DEFAULT_MEMORY_LIMIT_BYTES = 4 * 1024 ** 3;
/** No file the runner writes grows past this. */
const FILE_SIZE_LIMIT_BYTES = 1024 ** 3;
/** Processes inside the sandbox at once: Python and what a migration may start, not a fork bomb. */
const PROCESS_LIMIT = 64;

export async function analyse(request: AnalysisRequest): Promise<Report> {
  const started = Date.now();
  const log = request.log ?? (() => {});
  const databases = new ThrowawayDatabases(request.server);
  const report = emptyReport(request, databases.runId);
  const time = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await work();
    } finally {
      const existing = report.timings.phases.find((p) => p.name === phase);
      if (existing) existing.ms += Date.now() - t0;
      else report.timings.phases.push({ name: phase, ms: Date.now() - t0 });
    }
  };

  // The analysis' own folder: checkouts (read-only to the runner), a scratch folder (the
  // only thing the runner may write) and the socket of its Postgres relay. 0700: no other
  // user of the machine may look in.
  const workdir = await mkdtemp(join(tmpdir(), 'driftbot-run-'));
  const scratch = join(workdir, 'scratch');
  const socketDir = join(workdir, 'postgres');
  let relay: PostgresRelay | null = null;
  // The pull request's code is checked out here: it goes even when we are interrupted.
  const forgetWorkdir = onShutdown(() => rm(workdir, { recursive: true, force: true }));
  let runner: AlembicRunner | null = null;
  const limit = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    runner?.kill();
  }, limit);
  try {
    const headFiles = await time('read trees', () => repoFilesAt(request.repo, request.head.sha));
    log(`run ${databases.runId}: throwaway databases are named driftbot_<time>_${databases.runId}_…`);
    const headConfig = await time('configuration', async () => (request.configFile ? parseConfig(request.configFile.text, request.configFile.path) : loadConfig(headFiles)));
    report.warnings.push(...headConfig.assumptions.map((a) => `assumed: ${a}`), ...headConfig.warnings);
    // The static scope reads git for base alone: a pull request's config must not make an
    // untrusted run check out any number of other commits.
    const moreStarts = report.scope === 'static' ? [] : [...headConfig.upgradeFrom, ...(request.upgradeFrom ?? [])];
    const startRefs = await time('starting points', () => startingPoints(request.repo, request.base, moreStarts));
    report.startingPoints = startRefs;
    const starts = await time('read trees', () => Promise.all(startRefs.map(async (ref) => ({ ref, files: await repoFilesAt(request.repo, ref.sha) }))));
    const startConfigs = await time('configuration', () => Promise.all(starts.map((start) => startConfig(request, headConfig, headFiles, start.files))));

    const head = await time('checkout', () => checkout(request.repo, request.head.sha, join(workdir, 'head'), headConfig, headFiles));
    const startTrees = await time('checkout', () =>
      Promise.all(starts.map((start, i) => checkout(request.repo, start.ref.sha, join(workdir, `start${i}`), startConfigs[i] ?? headConfig, start.files, headConfig.python))),
    );
    const python = request.python ?? (await time('python', () => ensurePythonEnvironment({ log })));
    const sandbox = request.sandbox === false ? null : await detectSandbox();
    if (sandbox && !sandbox.available && report.scope === 'full') report.warnings.push(`the repository's code ran without a sandbox: ${sandbox.reason}`);
    const confined = sandbox?.available === true;
    report.environment.networkIsolated = confined;
    report.environment.sandboxed = confined;
    await Promise.all([mkdir(scratch), mkdir(socketDir)]);
    relay = await openRelay(socketDir, relayTarget(request.server.adminUrl, request.server.socketDir));
    databases.runnerSocketDir = relay.socketDir;
    if (timedOut) throw new Error('deadline');
    runner = await time('runner start', () =>
      AlembicRunner.start({
        python,
        confinement: confined ? { readOnly: [head.dir, ...startTrees.map((tree) => tree.dir)], writable: [scratch, socketDir], cwd: scratch } : null,
        env: scrubbedEnvironment(scratch),
        cwd: scratch,
        timeoutMs: request.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
        limits: {
          memoryBytes: request.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES,
          fileSizeBytes: FILE_SIZE_LIMIT_BYTES,
          cpuSeconds: (request.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000,
          // The sandbox's user is its own (a user namespace): only there does this count just the runner's processes.
          ...(confined ? { processes: PROCESS_LIMIT } : {}),
        },
        log: (line) => log(`runner: ${line}`),
      }),
    );
    const tools: BuildTools = { runner, databases, log, time, statementTimeoutMs: request.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS, scratch };

    for (const database of headConfig.databases) {
      const startingPointsOfDatabase = starts.map((start, i) => ({
        ref: start.ref.ref,
        tree: startTrees[i]!,
        database: startConfigs[i]?.databases.find((d) => d.name === database.name) ?? null,
      }));
      await analyseDatabase(tools, report, database, head, startingPointsOfDatabase, headConfig, headFiles);
    }
  } catch (error) {
    report.errors.push(toReportError(error));
  } finally {
    clearTimeout(deadline);
    if (timedOut) {
      report.errors = [{ message: `the analysis took longer than its limit of ${formatDuration(limit)} and was stopped`, path: null, revision: null }];
      Object.assign(report, { findings: [], fixes: [], upgradeFailure: null, breakingCode: [], schemaDiffs: [] });
    }
    report.environment.databasesBuilt = databases.count;
    if (databases.isolated === false) {
      report.warnings.push('the Postgres server did not let driftbot create a role for this analysis, so migrations ran with its own credentials: use a server (or DRIFTBOT_DATABASE_URL user) that may CREATE ROLE, see README "Trust"');
    }
    await runner?.close();
    await relay?.close();
    if (!request.keepDatabases) await time('clean up', () => databases.dropAll()).catch((e) => report.errors.push(toReportError(e)));
    await rm(workdir, { recursive: true, force: true });
    forgetWorkdir();
  }

  if ((report.errors.length || report.upgradeFailure) && !(await isAlive(request.server))) {
    // Every failure since is the server's, not the branch's: say that, and only that.
    Object.assign(report, { findings: [], fixes: [], upgradeFailure: null, breakingCode: [], schemaDiffs: [] });
    report.errors = [{ message: `the Postgres server (${request.server.label}) stopped answering during the analysis: nothing is known about this branch, run it again`, path: null, revision: null }];
  }
  report.fix = report.fixes[0] ?? null;
  const drift = report.findings.length > 0 || report.upgradeFailure !== null || (report.scope === 'static' && report.editedMigrations.length > 0);
  report.status = report.errors.length ? 'error' : drift ? 'drift' : 'clean';
  report.timings.totalMs = Date.now() - started;
  return report;
}

async function analyseDatabase(
  tools: BuildTools,
  report: Report,
  database: DatabaseConfig,
  head: Tree,
  starts: StartingPoint[],
  config: DriftbotConfig,
  headFiles: RepoFiles,
): Promise<void> {
  const name = database.name;
  const base = starts[0]!;
  const scans = await tools.time('read revisions', () => scanChains(tools, database, base, head));

  // The static part: what git says about revisions base has already applied.
  const baseRevisions = new Set<string>();
  for (const chain of scans) {
    for (const revision of chain.base?.revisions ?? []) baseRevisions.add(revision.revision);
    report.editedMigrations.push(
      ...findEditedMigrations({
        database: name,
        chain: chain.config.versions,
        base: await revisionFiles(chain.base, base.tree.dir),
        head: await revisionFiles(chain.head, head.dir),
      }),
    );
  }
  const graphProblems = scans.flatMap((chain) => graphFindings(name, chain.config.versions, chain.head));
  report.findings.push(...graphProblems);
  const unreadable = scans.flatMap((chain) => chain.head.problems.filter((p) => p.kind === 'unreadable'));
  for (const problem of unreadable) report.errors.push({ message: problem.message, path: problem.path ?? null, revision: null });
  if (unreadable.length || report.scope === 'static') return;
  // Alembic cannot run such a chain (or runs one of two same-id files by chance): the findings say why.
  if (graphProblems.some((f) => UNBUILDABLE.has(f.name))) {
    report.databases.push(summary(database, scans, false));
    return;
  }

  const modelFiles = matchGlobs(headFiles.paths, database.models);
  const builds = await buildDatabase(tools, database, head, starts, modelFiles);
  report.standIns.push(...builds.standIns);
  report.warnings.push(...standInWarnings(builds.standIns, database, modelFiles));
  for (const error of builds.models?.errors ?? []) report.errors.push({ message: error.message, path: error.path, revision: null });

  if (builds.fresh.failure) {
    const failure = builds.fresh.failure;
    report.errors.push({ message: `head's migrations fail on an empty database: ${failure.error}`, path: failure.path, revision: failure.revision });
    report.databases.push(summary(database, scans, false));
    return;
  }
  const startFailure = builds.upgraded.find((u) => u.failure?.build === 'base')?.failure;
  if (startFailure) {
    report.errors.push({ message: `the migrations of ${startFailure.startingPoint} fail on an empty database: ${startFailure.error}`, path: startFailure.path, revision: startFailure.revision });
    report.databases.push(summary(database, scans, false));
    return;
  }
  const upgradeFailure = builds.upgraded.find((u) => u.failure)?.failure;
  if (upgradeFailure) {
    report.upgradeFailure ??= upgradeFailure;
    report.databases.push(summary(database, scans, false));
    return;
  }
  const fresh = builds.fresh.schema!;
  const upgraded = builds.upgraded.map((u) => ({ ...u, schema: u.schema! }));
  const models = builds.models?.schema ?? null;

  let findings = await tools.time('diff', async () => mergeStartingPoints(upgraded.map((u) => compareBuilds(name, { fresh, upgraded: u.schema, models }, config.ignore, u.startingPoint))));
  const headParents = new Map(scans.flatMap((chain) => chain.head.revisions.map((r) => [r.revision, r.downRevisions] as const)));
  findings = attachCauses(findings, {
    headRuns: builds.fresh.runs,
    baseRuns: upgraded[0]!.startRuns,
    edited: report.editedMigrations.filter((e) => e.database === name),
    baseRevisions,
    headParents,
  });
  const declarations = modelDeclarations(builds.models?.tables ?? []);
  findings = attachModelReferences(findings, declarations);
  report.findings.push(...findings);
  report.breakingCode.push(...findBreakingCode(findings, declarations, await pythonSources(headFiles, head)).map((b) => ({ ...b, database: name })));
  report.schemaDiffs.push({ database: name, diff: schemaDiff(upgraded[0]!.schema, fresh) });

  if (findings.length > 0 || graphProblems.some((f) => f.name === 'multiple-heads')) {
    const chain = fixChain(scans, findings);
    report.fixes.push(
      await proposeFix(tools, {
        database: name,
        findings,
        fresh: { ...builds.fresh, schema: fresh },
        upgraded,
        models,
        chain: chain.config,
        chainRevisions: chain.head.revisions,
        chainHeads: chain.head.heads,
        head,
        revisionSetting: config.fix.revision,
        ignore: config.ignore,
      }),
    );
  }
  report.databases.push(summary(database, scans, findings.length === 0));
}

/** The same object seen from several starting points is one finding that names them all. */
function mergeStartingPoints(perStart: Finding[][]): Finding[] {
  const merged = new Map<string, Finding>();
  for (const findings of perStart) {
    for (const finding of findings) {
      const key = `${finding.object}:${finding.table}:${finding.name}`;
      const seen = merged.get(key);
      if (!seen) merged.set(key, finding);
      else {
        seen.startingPoints.push(...finding.startingPoints.filter((s) => !seen.startingPoints.includes(s)));
        seen.breaksCode ||= finding.breaksCode;
      }
    }
  }
  return [...merged.values()];
}

interface ChainScan {
  config: DatabaseConfig['chains'][number];
  head: ScanResult;
  base: ScanResult | null;
}

async function scanChains(tools: BuildTools, database: DatabaseConfig, base: StartingPoint, head: Tree): Promise<ChainScan[]> {
  const scans: ChainScan[] = [];
  for (const chain of database.chains) {
    // The same chain on base: same folder, else the same version table (a moved folder).
    const baseChain = base.database?.chains.find((c) => c.versions === chain.versions) ?? base.database?.chains.find((c) => c.versionTable === chain.versionTable) ?? null;
    scans.push({
      config: chain,
      head: await tools.runner.scan({ versions: join(head.dir, chain.versions), root: head.dir }),
      base: baseChain ? await tools.runner.scan({ versions: join(base.tree.dir, baseChain.versions), root: base.tree.dir }) : null,
    });
  }
  return scans;
}

async function revisionFiles(scan: ScanResult | null, dir: string): Promise<RevisionFile[]> {
  if (!scan) return [];
  return Promise.all(
    scan.revisions.map(async (r) => ({
      revision: r.revision,
      downRevisions: r.downRevisions,
      path: r.path,
      content: await readFile(join(dir, r.path), 'utf8'),
    })),
  );
}

/** The fix joins the chain that holds most of the causes; by default the last chain. */
function fixChain(scans: ChainScan[], findings: Finding[]): ChainScan {
  const votes = new Map<ChainScan, number>();
  for (const finding of findings) {
    const chain = scans.find((s) => s.head.revisions.some((r) => r.revision === finding.cause?.revision));
    if (chain) votes.set(chain, (votes.get(chain) ?? 0) + 1);
  }
  const [best] = [...votes.entries()].sort((a, b) => b[1] - a[1]);
  return best?.[0] ?? scans[scans.length - 1]!;
}

function modelDeclarations(tables: { schema: string; name: string; className: string | null; path: string; line: number; columns: { name: string; className: string | null; path: string; line: number }[] }[]): ModelDeclaration[] {
  return tables.map((table) => ({
    table: table.schema === 'public' ? table.name : `${table.schema}.${table.name}`,
    className: table.className,
    path: table.path,
    line: table.line,
    columns: table.columns.map((c) => ({ name: c.name, className: c.className, path: c.path, line: c.line })),
  }));
}

/** Head's Python files under the import roots: where code that queries the models lives. */
async function pythonSources(files: RepoFiles, head: Tree): Promise<SourceFile[]> {
  const roots = head.python.paths.map((p) => (p === '.' || p === '' ? '' : `${p.replace(/\/$/, '')}/`));
  const paths = files.paths.filter((p) => p.endsWith('.py') && roots.some((root) => p.startsWith(root))).slice(0, 5000);
  const sources: SourceFile[] = [];
  for (const path of paths) {
    const content = await readFile(join(head.dir, path), 'utf8').catch(() => null);
    if (content !== null) sources.push({ path, content });
  }
  return sources;
}

/**
 * A stand-in has no tables, columns or enum values of its own. When a migration or a
 * model file needed one, the schema built here may lack what the real module defines.
 */
function standInWarnings(standIns: Report['standIns'], database: DatabaseConfig, modelFiles: string[]): string[] {
  return standIns
    .filter((s) => s.importedFrom && (database.chains.some((c) => s.importedFrom!.startsWith(`${c.versions}/`)) || modelFiles.includes(s.importedFrom)))
    .map((s) => `${s.importedFrom} imports ${s.module}, which could not be imported and was replaced by a stand-in: if it defines tables, columns or enum values, database ${database.name} is built without them here`);
}

function schemaDiff(upgraded: Schema, fresh: Schema): string {
  const before = schemaDump(upgraded);
  const after = schemaDump(fresh);
  if (before === after) return '';
  return createTwoFilesPatch('upgraded', 'fresh', before, after, '', '', { context: 3 });
}

/**
 * A starting point is built with its own configuration, so a renamed version table or
 * a reordered chain shows up as the drift it causes. One without a config file is built
 * with head's (the pull request adds it); one with no migrations at all has none.
 */
async function startConfig(request: AnalysisRequest, head: DriftbotConfig, headFiles: RepoFiles, files: RepoFiles): Promise<DriftbotConfig | null> {
  if (request.configFile) return head;
  if (!hasConfigFile(files) && hasConfigFile(headFiles)) return head;
  return loadConfig(files).catch((error) => {
    if (error instanceof ConfigError && !hasConfigFile(files)) return null;
    throw error;
  });
}

function hasConfigFile(files: RepoFiles): boolean {
  return CONFIG_PATHS.some((path) => files.paths.includes(path));
}

/** Writes just what the builds need of one commit: chains, model files, import roots. */
async function checkout(repo: string, sha: string, dir: string, config: DriftbotConfig | null, files: RepoFiles, fallbackPython?: DriftbotConfig['python']): Promise<Tree> {
  const python = config?.python ?? fallbackPython!;
  const needed = new Set<string>();
  for (const database of config?.databases ?? []) {
    for (const chain of database.chains) needed.add(chain.versions);
    for (const file of matchGlobs(files.paths, database.models)) needed.add(file);
  }
  for (const path of python.paths) needed.add(path);
  const paths = [...needed].filter((p) => p === '.' || p === '' || files.paths.some((f) => f === p || f.startsWith(`${p.replace(/\/$/, '')}/`)));
  await materialize(repo, sha, paths.includes('.') || paths.includes('') ? ['.'] : paths, dir);
  return { dir, python };
}

/**
 * The runner executes the pull request's code: it gets no variable of ours (tokens,
 * keys, database URLs), only what Python needs to start.
 */
function scrubbedEnvironment(scratch: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOME: scratch,
    TMPDIR: scratch,
    USER: 'driftbot',
    LOGNAME: 'driftbot',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
  };
}

function summary(database: DatabaseConfig, scans: ChainScan[], clean: boolean): Report['databases'][number] {
  return {
    name: database.name,
    chains: scans.map((s) => ({ versions: s.config.versions, versionTable: s.config.versionTable, headRevisions: s.head.heads })),
    clean,
  };
}

function formatDuration(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
}

function toReportError(error: unknown): Report['errors'][number] {
  if (error instanceof ConfigError) return { message: error.message, path: error.path, revision: null };
  const err = error as Error & { path?: string; revision?: string };
  return { message: err?.message ?? String(error), path: err?.path ?? null, revision: err?.revision ?? null };
}

function emptyReport(request: AnalysisRequest, runId: string): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    status: 'clean',
    base: request.base,
    head: request.head,
    editedMigrations: [],
    findings: [],
    upgradeFailure: null,
    fix: null,
    errors: [],
    timings: { totalMs: 0, phases: [] },
    databases: [],
    fixes: [],
    breakingCode: [],
    standIns: [],
    warnings: [],
    schemaDiffs: [],
    environment: { postgresVersion: request.server.version, databasesBuilt: 0, server: request.server.label, runId, networkIsolated: false, sandboxed: false },
    scope: request.scope ?? 'full',
    startingPoints: [request.base],
  };
}
