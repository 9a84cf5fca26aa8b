/**
 * No Docker engine runs here, so the Dockerfile is checked piece by piece: what it
 * copies exists, it ends as a non-root user serving the app, and its own RUN step that
 * builds the Python environment really works.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inject } from 'vitest';
import { packageRoot } from '../../src/package-root.js';

const root = packageRoot();
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .filter((line) => /^[A-Z]+ /.test(line));

describe('Dockerfile', () => {
  it('copies only what exists in the repository (or the build stage made)', () => {
    const copies = instructions.filter((line) => line.startsWith('COPY ') && !line.includes('--from='));
    expect(copies.length).toBeGreaterThan(3);
    for (const line of copies) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const source of sources) expect(existsSync(join(root, source)), source).toBe(true);
    }
  });

  it('builds from Node 20 in two stages and serves as a non-root user', () => {
    expect(instructions.filter((line) => line.startsWith('FROM '))).toEqual(['FROM node:20-bookworm-slim AS build', 'FROM node:20-bookworm-slim']);
    expect(instructions.filter((line) => line.startsWith('USER '))).toEqual(['USER driftbot']);
    expect(instructions.at(-1)).toBe('CMD ["node", "bin/driftbot", "serve"]');
  });

  it('its RUN step creates the runner’s Python environment', () => {
    const step = instructions.find((line) => line.includes('ensurePythonEnvironment'))!;
    const script = /-e "(.*)"$/.exec(step)![1]!.replaceAll('/app/', `${root}/`);
    // The same cache as the suite's, so this reuses the environment the suite built.
    const python = inject('pythonExecutable');
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, DRIFTBOT_PYTHON_CACHE: dirname(dirname(dirname(python))) },
    }).toString();
    expect(output.trim().split('\n').at(-1)).toBe(python);
  });
});
