/**
 * driftbot as users run it: `bin/driftbot check --format json` in a process of its own
 * (so that its whole tree — node, the Python runners, git — can be measured), on the
 * bench's server, told that server's major (`--postgres-version`: the bench runs on
 * the client's major, not driftbot's default 17, and driftbot applies the rules of the
 * major it is told). It keeps built templates on that server as users' runs do: the
 * bench clears them before a cold run (bench.ts) and leaves them for the warm ones.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../src/package-root.js';
import type { PostgresServer } from '../src/postgres/server.js';
import { majorOf } from '../src/postgres/versions.js';
import { runMeasured } from './measure.js';

export interface DriftbotRun {
  /** Wall time of the whole process, start to exit. */
  ms: number;
  /** The report's own total (the analysis, without process start and server connection). */
  analysisMs: number;
  peakRss: number;
  status: string;
  findings: number;
  phases: { name: string; ms: number }[];
}

export async function runDriftbot(server: PostgresServer, repo: string, base: string, head: string, scratch: string): Promise<DriftbotRun> {
  const output = join(scratch, `driftbot-report-${process.hrtime.bigint()}.json`);
  const run = await runMeasured(
    process.execPath,
    [
      join(packageRoot(), 'bin', 'driftbot'),
      'check',
      '--repo',
      repo,
      '--base',
      base,
      '--head',
      head,
      '--format',
      'json',
      '--output',
      output,
      '--postgres-version',
      String(majorOf(server.version)),
    ],
    {
      // The server goes by environment, not argv: its URL holds a password.
      env: { ...process.env, DRIFTBOT_DATABASE_URL: server.adminUrl },
    },
  );
  try {
    if (run.code !== 0 && run.code !== 1) throw new Error(`driftbot check exited with ${run.code} on ${repo}: ${run.stderr.trim().split('\n').slice(-5).join('\n')}`);
    const report = JSON.parse(await readFile(output, 'utf8')) as { status: string; findings: unknown[]; timings: { totalMs: number; phases: { name: string; ms: number }[] } };
    return { ms: run.ms, analysisMs: report.timings.totalMs, peakRss: run.peakRss, status: report.status, findings: report.findings.length, phases: report.timings.phases };
  } finally {
    await rm(output, { force: true });
  }
}
