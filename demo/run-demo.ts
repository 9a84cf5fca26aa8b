/**
 * `npm run demo`: builds the seed-shaped example repository in a temporary folder and
 * runs `driftbot check` on it, with the embedded Postgres (nothing to install).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli.js';
import { createSeedRepository } from './seed-repo.js';

const dir = await mkdtemp(join(tmpdir(), 'driftbot-demo-'));
try {
  const seed = await createSeedRepository(dir);
  process.stderr.write(`driftbot demo: example repository in ${dir} (base "${seed.base}", head "${seed.head}")\n`);
  const extra = process.argv.slice(2);
  const code = await main(['check', '--repo', dir, '--base', seed.base, '--head', seed.head, ...extra]);
  // Drift is what the demo shows: only a failure to analyse is an error here.
  await rm(dir, { recursive: true, force: true });
  process.exit(code === 2 ? 2 : 0);
} finally {
  await rm(dir, { recursive: true, force: true });
}
