/**
 * An analysis' own folder and how its runners start in it: what prepare.ts makes for
 * each analysis, and spare-start.ts for the App's next one before it arrives.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunnerOptions } from '../alembic/bridge.js';
import { makeWorkFolder } from '../memory-folder.js';
import type { AnalysisRequest } from './request.js';

/** The runner's address space: generous for Alembic and SQLAlchemy, fatal for a runaway allocation. */
export const DEFAULT_MEMORY_LIMIT_BYTES = 4 * 1024 ** 3;
const DEFAULT_STEP_TIMEOUT_MS = 10 * 60 * 1000;
/** No file the runner writes grows past this. */
const FILE_SIZE_LIMIT_BYTES = 1024 ** 3;
/** Processes inside the sandbox at once: Python and what a migration may start, not a fork bomb. */
const PROCESS_LIMIT = 64;

/** An analysis' own folder and what is in it: a checkout per side, the scratch folder, the relay's socket. */
export interface Layout {
  workdir: string;
  headDir: string;
  startDirs: string[];
  scratch: string;
  socketDir: string;
}

/** A new analysis folder (in memory when there is room: memory-folder.ts), laid out for `starts` starting points. */
export async function makeLayout(starts: number): Promise<Layout> {
  const workdir = await makeWorkFolder('driftbot-run-');
  const layout = {
    workdir,
    headDir: join(workdir, 'head'),
    startDirs: Array.from({ length: starts }, (_, i) => join(workdir, `start${i}`)),
    scratch: join(workdir, 'scratch'),
    socketDir: join(workdir, 'postgres'),
  };
  await Promise.all([layout.headDir, ...layout.startDirs, layout.scratch, layout.socketDir].map((dir) => mkdir(dir)));
  return layout;
}

/**
 * How an analysis' runners start: in its sandbox (the checkouts read-only, the scratch
 * folder and the socket writable), with its limits and nothing of our environment.
 */
export function runnerOptions(
  request: Pick<AnalysisRequest, 'stepTimeoutMs' | 'memoryLimitBytes' | 'timeoutMs' | 'log'>,
  layout: Layout,
  runner: { python: string; folders?: string[] | undefined; sandboxed: boolean; mounts: { path: string; target: string }[] },
): RunnerOptions {
  const { headDir, startDirs, scratch, socketDir } = layout;
  return {
    python: runner.python,
    ...(runner.folders ? { interpreterFolders: runner.folders } : {}),
    confinement: runner.sandboxed ? { readOnly: [headDir, ...startDirs], writable: [scratch, socketDir], symlinks: runner.mounts, cwd: scratch } : null,
    env: scrubbedEnvironment(scratch),
    cwd: scratch,
    timeoutMs: request.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
    limits: {
      memoryBytes: request.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES,
      fileSizeBytes: FILE_SIZE_LIMIT_BYTES,
      cpuSeconds: Math.ceil((request.timeoutMs ?? 30 * 60 * 1000) / 1000),
      // The sandbox's user is its own (a user namespace): only there does this count just the runner's processes.
      ...(runner.sandboxed ? { processes: PROCESS_LIMIT } : {}),
    },
    log: (line) => request.log?.(`runner: ${line}`),
  };
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
