/** The runner's Python is formatted (ruff format), lint-free (ruff check) and type-checked (mypy --strict), with the settings of src/alembic/pyproject.toml. */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alembicFolder, ensureDevPython } from './python-dev-env.js';

/** The tool's exit code and output, for the assertion message when it fails. */
function tool(python: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(python, args, { cwd: alembicFolder, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `$ ${args.join(' ')}\n${stdout}${stderr}` });
    });
  });
}

describe("the runner's Python", () => {
  it('passes ruff format --check, ruff check and mypy --strict', { timeout: 600_000 }, async () => {
    const python = await ensureDevPython();
    // The tools' caches in this run's own folder (removed by the suite's teardown), never in the source tree.
    const cache = await mkdtemp(join(tmpdir(), 'driftbot-test-pylint-'));
    const results = await Promise.all([
      tool(python, ['-m', 'ruff', 'format', '--check', '--diff', '--no-cache', 'runner']),
      tool(python, ['-m', 'ruff', 'check', '--no-cache', 'runner']),
      tool(python, ['-m', 'mypy', '--config-file', 'pyproject.toml', '--cache-dir', join(cache, 'mypy'), 'runner']),
    ]);
    const failures = results.filter((result) => result.code !== 0).map((result) => result.output);
    expect(failures.join('\n'), 'the runner must be formatted, lint-free and mypy --strict clean').toBe('');
    // The checks looked at the package, not at nothing.
    expect(results[2]!.output).toMatch(/Success: no issues found in \d+ source files/);
    expect(Number(results[2]!.output.match(/in (\d+) source files/)![1])).toBeGreaterThanOrEqual(8);
  });
});
