/**
 * Stage 2, prepare: the analysis' own folder with just what the builds need of each
 * commit, the Python that runs the migrations, the sandbox, the relay that is the
 * sandbox's only way to Postgres, and the runner itself. Everything here is undone by
 * `close()`, whatever happened.
 */
import { readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { writeFilesIntoTree } from '../workspace/written-files.js';
import { AlembicRunner } from '../alembic/bridge.js';
import { makeLayout, runnerOptions } from './layout.js';
import { environmentKey } from '../alembic/environment-key.js';
import { RunnerPool } from '../alembic/runner-pool.js';
import { ensurePythonEnvironment, pythonCacheRoot } from '../alembic/python-env.js';
import type { DriftbotConfig } from '../config/config.js';
import { parseDotenv } from '../config/dotenv.js';
import { RESERVED_ENV } from '../config/schema.js';
import type { PostgresServer } from '../postgres/server.js';
import type { ThrowawayDatabases } from '../postgres/throwaway.js';
import { openRelay, relayTarget, type PostgresRelay } from '../sandbox/postgres-relay.js';
import { detectSandbox } from '../sandbox/sandbox.js';
import { onShutdown } from '../shutdown.js';
import { listBlobs, materialize } from '../workspace/git.js';
import type { RepoFiles } from '../workspace/repo-files.js';
import type { AnalysisRequest } from './request.js';
import type { Tree } from './builds.js';
import type { Timed } from './clock.js';
import { matchGlobs } from '../workspace/globs.js';
import type { Inputs } from './resolve.js';
import type { Spare } from './spare-start.js';
import { discoveryFolders, readDependencySet } from '../environment/dependency-files.js';
import { ensureProjectEnvironment, packageIndex } from '../environment/install.js';

export interface Workspace {
  /** Each tree has its runner: sides whose dependencies differ run in different environments. */
  head: Tree;
  /** One per starting point, in the same order. */
  starts: Tree[];
  /** The one folder the runner may write. */
  scratch: string;
  /** The repository's code runs in the sandbox. */
  sandboxed: boolean;
  /** What the report should say about how the code ran (no sandbox, mounts left out). */
  warnings: string[];
}

export class Preparation {
  private workdir: string | null = null;
  private relay: PostgresRelay | null = null;
  /** Per Python environment the sides need, its runners: the first, and the others the builds use side by side. */
  private readonly runners = new Map<string, RunnerPool>();
  private forgetWorkdir: () => void = () => {};
  /** The App's spare start this analysis took, if any (spare-start.ts). */
  private spare: Spare | null = null;
  /** The trees being written: the folder is removed only once nothing writes into it. */
  private checkouts: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly request: AnalysisRequest,
    private readonly time: Timed,
  ) {}

  /** Stops the runner now (the deadline, a cancellation); close() still cleans up. */
  kill(): void {
    for (const pool of this.runners.values()) pool.kill();
  }

  async open(inputs: Inputs, databases: ThrowawayDatabases, server: PostgresServer, deadline: AbortSignal): Promise<Workspace> {
    const { request, time } = this;
    // Every mount point any side asks for is a link to a link in the sandbox's own /tmp, a
    // tmpfs each runner has to itself: each request points it at its side, and runners
    // building side by side (base, head) never repoint each other's.
    const points = [...new Set([inputs.headConfig, ...inputs.starts.map((s) => s.config)].flatMap((config) => Object.keys(config?.python.mounts ?? {})))];
    const linkOf = (point: string) => join(MOUNT_LINKS, String(points.indexOf(point)));
    // The App's next analysis may have begun already (spare-start.ts): its folder, laid out
    // for one starting point and no mounts, and its first runner.
    const spare = request.spares && inputs.starts.length === 1 && points.length === 0 && request.scope !== 'static' ? await request.spares.take() : null;
    this.spare = spare;
    // The analysis' own folder, 0700: checkouts (read-only to the runner), a scratch folder
    // (the only thing the runner may write) and the socket of its Postgres relay.
    const layout = spare?.layout ?? (await makeLayout(inputs.starts.length));
    const { workdir, headDir, startDirs, scratch, socketDir } = layout;
    this.workdir = workdir;
    // The pull request's code is checked out here: it goes even when we are interrupted.
    this.forgetWorkdir = onShutdown(() => rm(workdir, { recursive: true, force: true }));
    spare?.adopted();
    // The trees are written while Python starts (the runners' imports take longer than the
    // checkouts): their folders exist now, for the sandbox to show, and are filled meanwhile.
    const checkouts = time('checkout', () =>
      Promise.all([
        checkout(request.repo, request.head.sha, headDir, inputs.headConfig, inputs.headFiles, linkOf),
        ...inputs.starts.map((start, i) => checkout(request.repo, start.ref.sha, startDirs[i]!, start.config ?? inputs.headConfig, start.files, linkOf)),
      ]),
    );
    // Awaited below, and by close() before the folder goes: a failure meanwhile must not go unhandled.
    this.checkouts = checkouts.catch(() => {});
    const sandbox = request.sandbox === false ? null : await detectSandbox();
    const sandboxed = sandbox?.available === true;
    const driftbotPython = request.python ?? (await time('python', () => ensurePythonEnvironment({ log: request.log })));
    // Each side in the environment its own dependency files describe (the operator's --python instead, when given).
    const sides = [
      { name: 'head', sha: request.head.sha, config: inputs.headConfig, files: inputs.headFiles },
      ...inputs.starts.map((start, i) => ({ name: i === 0 ? 'base' : `start${i}`, sha: start.ref.sha, config: start.config ?? inputs.headConfig, files: start.files })),
    ];
    // Each side's interpreter; the folders of an environment installed from the pull request's files (never run to ask them).
    const pythons: { python: string; folders?: string[] }[] = [];
    const assumed: string[] = [];
    for (const side of sides) {
      if (request.python || request.scope === 'static') {
        pythons.push({ python: driftbotPython });
        continue;
      }
      const { python: settings, databases: configured } = side.config;
      const versions = configured.flatMap((database) => database.chains.map((chain) => chain.versions));
      const found = await time('configuration', () =>
        readDependencySet(side.files, settings.requirements, discoveryFolders(settings.paths, versions), side.config.source, packageIndex()),
      );
      // python.version alone still asks for that Python: an environment with just what the runner needs.
      const dependencies = found ?? (settings.version ? { files: [], steps: [], pathDependencies: [], requiresPython: null, leftOut: [], chosenBy: 'python.version' } : null);
      if (!dependencies) {
        pythons.push({ python: driftbotPython });
        continue;
      }
      if (found && settings.requirements === null && side.name === 'head') assumed.push(`assumed: the project's dependencies: ${dependencies.chosenBy}`);
      if (side.name === 'head') assumed.push(...dependencies.leftOut);
      deadline.throwIfAborted();
      pythons.push(
        await time('python environment', () =>
          ensureProjectEnvironment(
            {
              repo: request.repo,
              sha: side.sha,
              side: side.name,
              dependencies,
              version: settings.version ? { specifier: settings.version, from: `python.version in ${side.config.source}` } : null,
              driftbotPython,
              workdir,
              sandboxed,
              log: request.log ?? (() => {}),
              signal: deadline,
              ...(request.stepTimeoutMs ? { timeoutMs: request.stepTimeoutMs } : {}),
            },
            pythonCacheRoot(),
          ),
        ),
      );
    }
    this.relay = await openRelay(socketDir, relayTarget(server.adminUrl, server.socketDir));
    databases.runnerSocketDir = this.relay.socketDir;
    deadline.throwIfAborted();
    // Runners per environment: each build that runs at the same time gets a process of its own.
    const poolSize = Math.max(1, request.runners ?? availableParallelism());
    const keys = new Map<string, string | null>();
    for (const { python, folders } of pythons) {
      if (this.runners.has(python)) continue;
      const options = runnerOptions(request, layout, { python, folders, sandboxed, mounts: points.map((point) => ({ path: point, target: linkOf(point) })) });
      // The spare's runners when they were started just so; else one now. A spare not used goes.
      const spared = spare?.runnersFor(options) ?? null;
      const first = (spared && (await spared.first)) ?? (await time('runner start', () => AlembicRunner.start(options)));
      const pool = new RunnerPool(options, poolSize, first, request.runnerBudget ?? null);
      // Before any other starts: they are what prestart() would start.
      for (const other of spared?.others ?? []) {
        const runner = await other;
        if (runner) pool.adopt(runner);
      }
      this.runners.set(python, pool);
      if (request.scope !== 'static') pool.prestart();
      // A project's environment is described from its folder, never by running its Python outside the sandbox.
      keys.set(python, request.cache ? await time('python', () => environmentKey(python, { mayRun: !folders })) : null);
    }
    spare?.discardUnused();
    const [headCheckout, ...startCheckouts] = await checkouts;
    const treeOf = (tree: Omit<Tree, 'runner' | 'runners' | 'environmentKey'>, i: number): Tree => {
      const { python } = pythons[i]!;
      const pool = this.runners.get(python)!;
      // Without the sandbox there is no private /tmp to point: mounts are left out (the report warns).
      const settings = sandboxed ? tree.settings : { ...tree.settings, mounts: [] };
      return { ...tree, settings, runner: pool.first, runners: pool, environmentKey: keys.get(python) ?? null };
    };
    const head = treeOf(headCheckout, 0);
    const starts: Tree[] = startCheckouts.map((tree, i) => treeOf(tree, i + 1));
    const warnings = [
      ...assumed,
      ...(sandbox && !sandbox.available && request.scope !== 'static' ? [`the repository's code ran without a sandbox: ${sandbox.reason}`] : []),
      // A mount point is a path in the sandbox's own filesystem: without one there is nowhere to put it.
      ...(!sandboxed && points.length && request.scope !== 'static'
        ? [`python.mounts (${points.join(', ')}) need the sandbox: without it the code is not laid out there, and paths the project expects there do not resolve`]
        : []),
    ];
    return { head, starts, scratch, sandboxed, warnings };
  }

  async close(): Promise<void> {
    // Taken but not used (the analysis stopped before its runners started): its runner goes too.
    this.spare?.discardUnused();
    for (const pool of this.runners.values()) await pool.close();
    await this.relay?.close();
    await this.checkouts;
    if (this.workdir) await rm(this.workdir, { recursive: true, force: true });
    this.forgetWorkdir();
  }
}

/** Inside the sandbox only, where /tmp is the runner's own tmpfs: the links `python.mounts`' points lead to. */
const MOUNT_LINKS = '/tmp/driftbot-mount-points';

/**
 * Writes just what the builds need of one commit — chains, model files, import roots,
 * settings files, mounted folders — and the files `python.files` adds, and resolves its settings: dotenv files first, then
 * `python.env`, `{root}` standing for this checkout.
 */
async function checkout(
  repo: string,
  sha: string,
  dir: string,
  config: DriftbotConfig,
  files: RepoFiles,
  linkOf: (point: string) => string,
): Promise<Omit<Tree, 'runner' | 'runners' | 'environmentKey'>> {
  const needed = new Set<string>();
  for (const database of config.databases) {
    for (const chain of database.chains) needed.add(chain.versions);
    for (const file of matchGlobs(files.paths, database.models)) needed.add(file);
  }
  for (const path of [...config.python.paths, ...config.python.envFiles, ...Object.values(config.python.mounts)]) needed.add(path);
  const paths = [...needed].filter((p) => p === '.' || p === '' || files.paths.some((f) => f === p || f.startsWith(`${p.replace(/\/$/, '')}/`)));
  const written = paths.includes('.') || paths.includes('') ? ['.'] : paths;
  const [blobs] = await Promise.all([listBlobs(repo, sha), materialize(repo, sha, written, dir)]);
  await writeFilesIntoTree(dir, config.python.files);
  const fromFiles = await Promise.all(config.python.envFiles.map(async (file) => parseDotenv(await readFile(join(dir, file), 'utf8'))));
  const env = Object.fromEntries(
    Object.entries(Object.assign({}, ...fromFiles, config.python.env) as Record<string, string>)
      .filter(([name]) => !RESERVED_ENV.test(name))
      .map(([name, value]) => [name, value.replaceAll('{root}', dir)]),
  );
  const mounts = Object.entries(config.python.mounts).map(([point, folder]) => ({ link: linkOf(point), target: join(dir, folder) }));
  const under = written.map((p) => p.replace(/^\.\//, '').replace(/\/+$/, ''));
  const identity = {
    blobs: new Map([...blobs].filter(([path]) => under.some((p) => p === '.' || p === '' || path === p || path.startsWith(`${p}/`)))),
    // As written: `{root}` stands for wherever the tree is, which differs from run to run.
    settings: JSON.stringify([config.python.env, config.python.envFiles, config.python.mounts, config.python.paths, config.python.stubMissingImports, config.python.files]),
  };
  return { dir, python: config.python, settings: { env, mounts }, identity };
}
