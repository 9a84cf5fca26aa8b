/**
 * The runner's lint and type-check tools (ruff, mypy, pinned in
 * src/alembic/requirements-dev.txt) in a virtualenv of their own under driftbot's cache:
 * never in the runner's runtime environment. Built once per requirements and Python
 * version, in a temporary folder renamed into place, so a half-built one is never used.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/package-root.js';

const run = promisify(execFile);

export const alembicFolder = join(packageRoot(), 'src', 'alembic');

/** The dev environment's interpreter: run the tools as `python -m ruff` / `python -m mypy` (venv scripts keep the build folder's path). */
export async function ensureDevPython(): Promise<string> {
  const basePython = process.env.DRIFTBOT_BASE_PYTHON ?? 'python3';
  const { stdout: version } = await run(basePython, ['-c', 'import sys; print(sys.version)']);
  const hash = createHash('sha256').update(version);
  for (const file of ['requirements-dev.txt', 'requirements.txt']) hash.update(await readFile(join(alembicFolder, file)));
  const cache = process.env.DRIFTBOT_PYTHON_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'driftbot');
  const target = join(cache, `python-dev-${hash.digest('hex').slice(0, 12)}`);
  const python = join(target, 'bin', 'python');
  if (existsSync(python)) return python;

  await mkdir(cache, { recursive: true });
  const building = `${target}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  try {
    await run(basePython, ['-m', 'venv', building]);
    await run(join(building, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', join(alembicFolder, 'requirements-dev.txt')], {
      maxBuffer: 16 * 1024 * 1024,
    });
    await rename(building, target);
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    // Another suite may have finished the same environment first: it is as good.
    if (!existsSync(python)) throw error;
  }
  return python;
}
