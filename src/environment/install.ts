/**
 * The project's own Python environment: its dependency files installed with uv into a
 * virtualenv that is cached, keyed by those files (and the path dependencies' trees), the
 * interpreter, driftbot's runner pins and the package index. Built under a temporary name
 * and renamed when complete, under a lock, so concurrent analyses share one build.
 *
 * Installing runs the repository's code (an sdist's or a path dependency's build, a
 * `.pth` file), so it runs in the sandbox like the runner, with one difference: it shares
 * the network, to reach the package index. It sees no secret and no host file but the
 * system's read-only ones, and writes only the environment being built, uv's cache and
 * its own copy of the commit. The runner later uses the environment read-only.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { acquireLock, interpreterFolders, requirementsPath } from '../alembic/python-env.js';
import { ConfigError } from '../config/error.js';
import { confinedCommand } from '../sandbox/sandbox.js';
import { onShutdown } from '../shutdown.js';
import { git, materialize } from '../workspace/git.js';
import type { DependencySet, InstallStep } from './dependency-files.js';
import { installedInterpreters, interpreterAt, interpreterOrThrow, type Asked, type Interpreter } from './interpreters.js';
import { runnerAdditions } from './runner-needs.js';
import { versionText } from './specifier.js';

export const DEFAULT_PACKAGE_INDEX = 'https://pypi.org/simple';
const DEFAULT_INSTALL_TIMEOUT_MS = 15 * 60 * 1000;

export interface EnvironmentRequest {
  repo: string;
  sha: string;
  /** "head", "base"…: for progress lines. */
  side: string;
  dependencies: DependencySet;
  /** `python.version`, with the file that sets it; else requires-python decides. */
  version: Asked | null;
  /** driftbot's own environment's Python: its folder holds uv, and its interpreter is preferred. */
  driftbotPython: string;
  /** A folder of the analysis' own, removed with it, for the commit's copy and temporary files. */
  workdir: string;
  sandboxed: boolean;
  log: (message: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Where environments and uv's cache live: DRIFTBOT_PROJECT_ENVS / UV_CACHE_DIR, else beside driftbot's own. */
export function environmentFolders(cacheRoot: string): { environments: string; uvCache: string } {
  return {
    environments: process.env.DRIFTBOT_PROJECT_ENVS ?? join(cacheRoot, 'projects'),
    uvCache: process.env.DRIFTBOT_UV_CACHE ?? join(cacheRoot, 'uv'),
  };
}

export function packageIndex(): string {
  return process.env.DRIFTBOT_PACKAGE_INDEX ?? DEFAULT_PACKAGE_INDEX;
}

/** The interpreter the environment would be made from (doctor shows it too). */
export async function projectInterpreter(dependencies: DependencySet | null, version: Asked | null, preferred: string | null): Promise<Interpreter> {
  const asked =
    version ?? (dependencies?.requiresPython ? { specifier: dependencies.requiresPython.specifier, from: `requires-python in ${dependencies.requiresPython.from}` } : null);
  return interpreterOrThrow(await installedInterpreters(), asked, preferred);
}

export interface ProjectEnvironment {
  /** The environment's `bin/python`. */
  python: string;
  /** What the sandbox must show for it to run: the environment and its interpreter's folders (never asked of the environment itself). */
  folders: string[];
}

/** The environment, built unless an identical one is cached. */
export async function ensureProjectEnvironment(request: EnvironmentRequest, cacheRoot: string): Promise<ProjectEnvironment> {
  const { dependencies, side, log } = request;
  const preferred = await baseInterpreter();
  const interpreter = await projectInterpreter(dependencies, request.version, preferred);
  const index = packageIndex();
  const { environments, uvCache } = environmentFolders(cacheRoot);
  const pins = await readFile(requirementsPath(), 'utf8');
  const key = createHash('sha256');
  for (const file of dependencies.files) key.update(`file ${file.path}\0${file.text}\0`);
  // A path dependency's content is its git tree (or blob): a change to it is a new environment.
  for (const path of dependencies.pathDependencies) key.update(`path ${path}\0${await objectId(request.repo, request.sha, path, side)}\0`);
  key.update(`python ${interpreter.executable} ${versionText(interpreter.version)}\0index ${index}\0pins ${pins}\0steps ${JSON.stringify(dependencies.steps)}`);
  const target = join(environments, `project-${key.digest('hex').slice(0, 16)}`);
  const python = join(target, 'bin', 'python');
  const what = `${[...dependencies.files.map((f) => f.path), `Python ${versionText(interpreter.version)}`].join(', ')}`;
  const environment = { python, folders: [target, ...(await interpreterFolders(interpreter.executable))] };
  if (existsSync(python)) {
    log(`python environment for ${side}: reused (${what}) ${target}`);
    return environment;
  }
  await mkdir(environments, { recursive: true });
  await mkdir(uvCache, { recursive: true });
  const lock = `${target}.lock`;
  await acquireLock(lock);
  // Unique even for two analyses of one process: a builder that takes over a stale lock never removes another's folder.
  const building = `${target}.building-${process.pid}-${randomBytes(4).toString('hex')}`;
  // Interrupted (Ctrl-C, SIGTERM), a half-built environment goes too.
  const forget = onShutdown(() => rm(building, { recursive: true, force: true }));
  const copy = join(request.workdir, `install-${side}`);
  const temporary = join(request.workdir, `install-${side}-tmp`);
  try {
    if (existsSync(python)) {
      log(`python environment for ${side}: reused (${what}) ${target}`);
      return environment;
    }
    log(`python environment for ${side}: installing ${what} into ${target}`);
    await rm(building, { recursive: true, force: true });
    await Promise.all([mkdir(building, { recursive: true }), mkdir(temporary, { recursive: true })]);
    // Builds write into their source (build/, *.egg-info): a copy of its own, of just the
    // dependency files and the path dependencies (a big repository, or a clone that lacks
    // some blobs, costs nothing for files no install reads).
    await materialize(request.repo, request.sha, [...new Set([...dependencies.files.map((f) => f.path), ...dependencies.pathDependencies])], copy);
    const uv = join(dirname(request.driftbotPython), 'uv');
    const tool = new Installer({ ...request, uv, interpreter, uvCache, building, copy, temporary, index });
    await tool.uv(['venv', '--relocatable', '--no-project', '--python', interpreter.executable, building], copy);
    for (const step of dependencies.steps) await tool.uv(await stepArguments(step, building, copy, index), join(copy, step.folder));
    const installed = await tool.installedDistributions();
    const additions = runnerAdditions(
      installed,
      pins,
      dependencies.files.map((f) => f.path),
    );
    if (typeof additions === 'string') throw new Error(additions);
    if (additions.length) {
      log(`python environment for ${side}: adding what driftbot's runner needs: ${additions.join(', ')}`);
      const constraints = join(temporary, 'installed.txt');
      await writeFile(
        constraints,
        Object.entries(installed)
          .map(([name, version]) => `${name}==${version}\n`)
          .join(''),
      );
      await tool.uv(['pip', 'install', '--python', join(building, 'bin', 'python'), '--no-config', '--default-index', index, '-c', constraints, ...additions], copy);
    }
    // Up front, not at the first migration: the runner's own imports work in this environment.
    await tool.python(['-c', 'import alembic, sqlalchemy, psycopg, greenlet, sqlalchemy.ext.asyncio'], 'check the runner can import alembic, sqlalchemy, psycopg and greenlet');
    await rename(building, target).catch(async (error: NodeJS.ErrnoException) => {
      await rm(building, { recursive: true, force: true });
      if (!existsSync(python)) throw error;
    });
    log(`python environment for ${side}: ready`);
    return environment;
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw new Error(`could not install the project's Python dependencies for ${side} (${what}): ${(error as Error).message}`);
  } finally {
    forget();
    await rmdir(lock).catch(() => {});
    await rm(copy, { recursive: true, force: true });
    await rm(temporary, { recursive: true, force: true });
  }
}

async function stepArguments(step: InstallStep, building: string, copy: string, index: string): Promise<string[]> {
  const python = join(building, 'bin', 'python');
  const common = ['--no-config', '--default-index', index];
  switch (step.kind) {
    case 'uv-lock':
      // The project itself is imported from the checkout (python.paths), never installed.
      return ['sync', '--frozen', '--all-groups', '--all-extras', '--no-install-project', '--no-editable', '--inexact', '--python', python, ...common];
    case 'poetry-lock': {
      const file = join(copy, step.folder, '.driftbot-poetry-lock.txt');
      await writeFile(file, `${step.requirements.join('\n')}\n`);
      return ['pip', 'install', '--python', python, '--no-deps', '--no-editable', ...common, '-r', file];
    }
    case 'pyproject':
      return [
        'pip',
        'install',
        '--python',
        python,
        '--no-editable',
        ...common,
        '-r',
        'pyproject.toml',
        ...step.extras.flatMap((extra) => ['--extra', extra]),
        ...step.groups.flatMap((group) => ['--group', group]),
      ];
    case 'requirements':
      return ['pip', 'install', '--python', python, '--no-editable', ...common, '-r', step.file];
  }
}

interface InstallerOptions extends EnvironmentRequest {
  uv: string;
  interpreter: Interpreter;
  uvCache: string;
  building: string;
  copy: string;
  temporary: string;
  index: string;
}

/** Runs uv and the new environment's Python, in the networked sandbox when there is one. */
class Installer {
  private readonly deadline: number;
  constructor(private readonly options: InstallerOptions) {
    this.deadline = Date.now() + (options.timeoutMs ?? DEFAULT_INSTALL_TIMEOUT_MS);
  }

  uv(args: string[], cwd: string): Promise<string> {
    return this.run([this.options.uv, ...args], cwd, `uv ${args[0]}${args[0] === 'pip' ? ` ${args[1]}` : ''}`);
  }

  python(args: string[], what: string): Promise<string> {
    return this.run([join(this.options.building, 'bin', 'python'), ...args], this.options.temporary, what);
  }

  /** name → version of every distribution in the environment being built. */
  async installedDistributions(): Promise<Record<string, string>> {
    const script = 'import importlib.metadata as m, json; print(json.dumps({d.metadata["Name"]: d.version for d in m.distributions() if d.metadata["Name"]}))';
    const output = await this.python(['-I', '-c', script], 'list the installed packages');
    const last = output.trim().split('\n').at(-1) ?? '{}';
    return JSON.parse(last) as Record<string, string>;
  }

  private async run(command: string[], cwd: string, what: string): Promise<string> {
    const { options } = this;
    const folders = await interpreterFolders(options.interpreter.executable);
    const argv = options.sandboxed
      ? await confinedCommand(command, {
          readOnly: [dirname(options.uv), ...folders],
          writable: [options.building, options.uvCache, options.copy, options.temporary],
          cwd,
          network: true,
        })
      : command;
    const remaining = this.deadline - Date.now();
    if (remaining <= 0) throw new Error(`the install took longer than its limit of ${Math.round((options.timeoutMs ?? DEFAULT_INSTALL_TIMEOUT_MS) / 1000)} s`);
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: this.environment(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const output: string[] = [];
    const tail: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => output.push(line));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      options.log(`uv: ${line}`);
    });
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, remaining);
    options.signal?.addEventListener('abort', kill);
    try {
      const code = await new Promise<number | null>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (exit) => resolve(exit));
      });
      options.signal?.throwIfAborted();
      if (timedOut) throw new Error(`${what} took longer than the install's limit of ${Math.round((options.timeoutMs ?? DEFAULT_INSTALL_TIMEOUT_MS) / 1000)} s and was stopped`);
      if (code !== 0) throw new Error(`${what} failed:\n${tail.join('\n')}`);
      return output.join('\n');
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
    }
  }

  /** Nothing of ours: no token, no database URL, no UV_* setting that could pick another index. */
  private environment(): Record<string, string> {
    const { temporary, uvCache } = this.options;
    const proxies = Object.fromEntries(
      ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'SSL_CERT_FILE'].flatMap((name) =>
        process.env[name] ? [[name, process.env[name]!]] : [],
      ),
    );
    return {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LANG: 'C.UTF-8',
      HOME: temporary,
      TMPDIR: temporary,
      UV_CACHE_DIR: uvCache,
      UV_PROJECT_ENVIRONMENT: this.options.building,
      UV_PYTHON_DOWNLOADS: 'never',
      UV_LINK_MODE: 'copy',
      UV_NO_PROGRESS: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      ...proxies,
    };
  }
}

/** A path dependency's git object (its tree, or a file's blob): its content, for the key. */
async function objectId(repo: string, sha: string, path: string, side: string): Promise<string> {
  try {
    return (await git(repo, ['rev-parse', '--verify', '--quiet', `${sha}:${path}`])).toString().trim();
  } catch {
    throw new ConfigError(path, null, null, `the project's dependency files install this folder from the checkout, but ${side}'s commit does not have it`);
  }
}

/** The interpreter driftbot's own environment is made from (DRIFTBOT_BASE_PYTHON), shims resolved. */
async function baseInterpreter(): Promise<string | null> {
  return (await interpreterAt(process.env.DRIFTBOT_BASE_PYTHON ?? 'python3'))?.executable ?? null;
}
