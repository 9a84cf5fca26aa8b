/** driftbot's managed Python environment: created once, atomically, even when two processes ask at once. */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePythonEnvironment, runnerScriptPath } from '../../src/alembic/python-env.js';

describe('ensurePythonEnvironment', () => {
  it('builds one environment for two concurrent first uses, with the pinned packages, and reuses it after', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'driftbot-test-pyenv-'));
    const messages: string[] = [];
    const log = (message: string) => messages.push(message);
    const [first, second] = await Promise.all([ensurePythonEnvironment({ cacheDir, log }), ensurePythonEnvironment({ cacheDir, log })]);
    expect(second).toBe(first);
    expect(messages.filter((m) => m.startsWith('creating'))).toHaveLength(1);
    expect(first).toMatch(new RegExp(`^${cacheDir}/python-[0-9a-f]{12}/bin/python$`));
    // Only the finished environment is left: no half-built folder, no lock.
    expect(await readdir(cacheDir)).toEqual([first.split('/').at(-3)]);
    const versions = execFileSync(first, ['-c', 'import alembic, sqlalchemy, psycopg; print(alembic.__version__, sqlalchemy.__version__, psycopg.__version__)']).toString().trim();
    expect(versions).toBe('1.20.1 2.0.58 3.3.9');

    const started = Date.now();
    expect(await ensurePythonEnvironment({ cacheDir, log })).toBe(first);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(messages.filter((m) => m.startsWith('creating'))).toHaveLength(1);
    // pip installs the pins from nothing (uv's wheel among them): minutes on a loaded machine.
  }, 300_000);

  it("finds the runner package's entry script in the source tree", () => {
    expect(runnerScriptPath()).toMatch(/\/src\/alembic\/runner\/__main__\.py$/);
    expect(existsSync(runnerScriptPath())).toBe(true);
  });
});
