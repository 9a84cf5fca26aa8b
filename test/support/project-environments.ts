/**
 * For a test file whose projects driftbot installs with uv: environments and uv's cache
 * of that file only (so the first analysis really installs), restored and removed after.
 * Call at the top level; `scratch()` is the folder holding both, for the file's own files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

const VARIABLES = ['DRIFTBOT_PROJECT_ENVS', 'DRIFTBOT_UV_CACHE'] as const;

export function ownProjectEnvironments(name: string): { scratch: () => string } {
  let scratch = '';
  const saved = Object.fromEntries(VARIABLES.map((variable) => [variable, process.env[variable]]));
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), `driftbot-${name}-`));
    process.env.DRIFTBOT_PROJECT_ENVS = join(scratch, 'environments');
    process.env.DRIFTBOT_UV_CACHE = join(scratch, 'uv-cache');
  });
  afterAll(async () => {
    for (const variable of VARIABLES) {
      if (saved[variable] === undefined) delete process.env[variable];
      else process.env[variable] = saved[variable];
    }
    await rm(scratch, { recursive: true, force: true });
  });
  return { scratch: () => scratch };
}
