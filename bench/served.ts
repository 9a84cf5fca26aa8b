/**
 * Runs bench/served-process.ts — the App's engine in one long-lived process — on the
 * bench's server, and measures its whole tree as cold.ts does the CLI's. Each analysis
 * is timed inside that process (the engine's `analyse()` call); the peak memory is the
 * whole process's, all of its analyses.
 */
import { join } from 'node:path';
import { packageRoot } from '../src/package-root.js';
import type { PostgresServer } from '../src/postgres/server.js';
import type { DriftbotRun } from './cold.js';
import { runMeasured } from './measure.js';
import type { ServedAnalysis } from './served-process.js';

export async function runServed(server: PostgresServer, repo: string, analyses: [base: string, head: string][]): Promise<DriftbotRun[]> {
  const run = await runMeasured(process.execPath, [join(packageRoot(), 'dist', 'bench', 'served-process.js'), repo, ...analyses.map(([base, head]) => `${base}..${head}`)], {
    // The server goes by environment, not argv: its URL holds a password.
    env: { ...process.env, DRIFTBOT_DATABASE_URL: server.adminUrl },
  });
  if (run.code !== 0) throw new Error(`the served bench process exited with ${run.code} on ${repo}: ${run.stderr.trim().split('\n').slice(-5).join('\n')}`);
  const lines = run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ServedAnalysis);
  if (lines.length !== analyses.length) throw new Error(`the served bench process reported ${lines.length} analyses of ${analyses.length}`);
  return lines.map((line) => ({ ...line, peakRss: run.peakRss }));
}
