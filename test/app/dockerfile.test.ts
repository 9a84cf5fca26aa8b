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
import { parse } from 'yaml';

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

describe('deploy/docker-compose.yml', () => {
  const compose = parse(readFileSync(join(root, 'deploy/docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { command?: string[]; environment?: Record<string, string>; deploy?: { replicas: number }; build?: string }>;
  };
  const sources = execFileSync('git', ['grep', '-h', '-o', 'DRIFTBOT_[A-Z_]*', '--', 'src'], { cwd: root }).toString();

  it('runs Postgres, one serve that only enqueues and two workers, all on the same queue', () => {
    const { queue, serve, worker } = compose.services;
    expect(queue).toBeDefined();
    expect(serve!.command).toEqual(['node', 'bin/driftbot', 'serve']);
    expect(serve!.environment!.DRIFTBOT_CONCURRENCY).toBe('0');
    expect(worker!.command).toEqual(['node', 'bin/driftbot', 'worker']);
    expect(worker!.deploy!.replicas).toBe(2);
    expect(worker!.environment!.DRIFTBOT_QUEUE_URL).toBe(serve!.environment!.DRIFTBOT_QUEUE_URL);
    expect(existsSync(join(root, 'deploy', serve!.build!, 'Dockerfile'))).toBe(true);
  });

  it('sets only settings driftbot reads', () => {
    for (const service of ['serve', 'worker']) {
      for (const name of Object.keys(compose.services[service]!.environment!).filter((key) => key.startsWith('DRIFTBOT_'))) {
        expect(sources, name).toContain(name);
      }
    }
  });
});
