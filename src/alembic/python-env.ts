/**
 * driftbot's own Python environment for the Alembic runner: a virtualenv created on
 * first use from pinned requirements (alembic, SQLAlchemy 2, psycopg 3) and reused
 * after. It is keyed by the requirements and the Python version, built in a temporary
 * folder and renamed into place, under a lock, so concurrent first uses are safe.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../package-root.js';

const run = promisify(execFile);
const LOCK_STALE_MS = 10 * 60 * 1000;

/** The runner package's entry script; the sandbox shows its folder (the package) read-only. */
export function runnerScriptPath(): string {
  return join(packageRoot(), 'src', 'alembic', 'runner', '__main__.py');
}

export function requirementsPath(): string {
  return join(packageRoot(), 'src', 'alembic', 'requirements.txt');
}

/** Where driftbot keeps its Python environments: DRIFTBOT_PYTHON_CACHE, else ~/.cache/driftbot. */
export function pythonCacheRoot(): string {
  return process.env.DRIFTBOT_PYTHON_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'driftbot');
}

export async function ensurePythonEnvironment(options: { cacheDir?: string; log?: (message: string) => void } = {}): Promise<string> {
  const log = options.log ?? (() => {});
  const requirements = await readFile(requirementsPath(), 'utf8');
  const basePython = process.env.DRIFTBOT_BASE_PYTHON ?? 'python3';
  const version = await pythonVersion(basePython);
  const key = createHash('sha256').update(requirements).update(version).digest('hex').slice(0, 12);
  const cache = options.cacheDir ?? pythonCacheRoot();
  const target = join(cache, `python-${key}`);
  const python = join(target, 'bin', 'python');
  if (existsSync(python)) return python;

  await mkdir(cache, { recursive: true });
  const lock = `${target}.lock`;
  await acquireLock(lock);
  try {
    if (existsSync(python)) return python;
    const building = `${target}.building-${process.pid}`;
    await rm(building, { recursive: true, force: true });
    log(`creating driftbot's Python environment (${version}) in ${target}`);
    try {
      await run(basePython, ['-m', 'venv', building]);
      await run(join(building, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirementsPath()], {
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      await rm(building, { recursive: true, force: true });
      const detail = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-5).join('\n') ?? (error as Error).message;
      throw new Error(`could not create driftbot's Python environment from ${requirementsPath()}: ${detail}`);
    }
    // venv writes absolute paths into its scripts; `bin/python` itself works after a rename.
    await rename(building, target).catch(async (error: NodeJS.ErrnoException) => {
      // A builder that took over a stale lock may have finished first: its environment is as good.
      await rm(building, { recursive: true, force: true });
      if (!existsSync(python)) throw error;
    });
    return python;
  } finally {
    await rmdir(lock).catch(() => {});
  }
}

const folders = new Map<string, Promise<string[]>>();

/**
 * The folders an interpreter needs to run — its environment (`sys.prefix`), the
 * installation it was made from (`sys.base_prefix`) and where its binary really lives —
 * to be shown read-only inside the sandbox. Asked of the interpreter itself (the
 * operator's, never the repository's), once per interpreter.
 */
export function interpreterFolders(python: string): Promise<string[]> {
  if (!folders.has(python)) {
    folders.set(
      python,
      run(python, ['-c', 'import os, sys; print(sys.prefix); print(sys.base_prefix); print(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))']).then(
        ({ stdout }) => [
          ...new Set(
            stdout
              .split('\n')
              .map((line) => line.trim())
              .filter((line) => line.startsWith('/') && line !== '/' && !line.startsWith('/usr/') && line !== '/usr'),
          ),
        ],
        (error: Error) => {
          folders.delete(python);
          throw new Error(`cannot run the Python interpreter ${python}: ${error.message}`);
        },
      ),
    );
  }
  return folders.get(python)!;
}

const versions = new Map<string, Promise<string>>();

/** Asked once per interpreter and process: a long-lived `serve` does not start Python for it on every analysis. */
function pythonVersion(python: string): Promise<string> {
  if (!versions.has(python)) {
    versions.set(
      python,
      askVersion(python).catch((error: Error) => {
        versions.delete(python);
        throw error;
      }),
    );
  }
  return versions.get(python)!;
}

async function askVersion(python: string): Promise<string> {
  try {
    const { stdout } = await run(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])']);
    const version = stdout.trim();
    const [major, minor] = version.split('.').map(Number);
    if (major !== 3 || (minor ?? 0) < 10) throw new Error(`Python ${version} is too old: driftbot needs Python 3.10 or newer`);
    return version;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`driftbot needs Python 3.10+ as "${python}" (set DRIFTBOT_BASE_PYTHON, or give an interpreter with --python / DRIFTBOT_PYTHON)`);
    throw error;
  }
}

/** A directory is the lock: mkdir is atomic. A lock older than 10 minutes is taken over. */
export async function acquireLock(lock: string): Promise<void> {
  for (;;) {
    try {
      await mkdir(lock);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age =
        Date.now() -
        (await stat(lock)
          .then((s) => s.mtimeMs)
          .catch(() => Date.now()));
      if (age > LOCK_STALE_MS) await rmdir(lock).catch(() => {});
      else await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
