/**
 * `npm run bench`: where the time of one analysis goes, on the demo repository.
 *
 * Prints the time of each phase (median of several runs) and, as a baseline measured
 * in the same run, the naive way: one Python process per build, the way three separate
 * `alembic upgrade` invocations would do it. Ratios, not absolute times, are what to
 * compare between machines and commits.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyse } from '../src/analysis/analyse.js';
import type { Report } from '../src/analysis/report.js';
import { AlembicRunner } from '../src/alembic/bridge.js';
import { ensurePythonEnvironment } from '../src/alembic/python-env.js';
import { openServer } from '../src/postgres/server.js';
import { ThrowawayDatabases } from '../src/postgres/throwaway.js';
import { materialize, resolveCommit } from '../src/workspace/git.js';
import { createSeedRepository, VERSIONS } from '../demo/seed-repo.js';
import { GitFixture } from '../demo/git-fixture.js';
import { generateMonorepo } from '../demo/monorepo.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const serverStart = Date.now();
const server = await openServer({ databaseUrl: process.env.DRIFTBOT_DATABASE_URL ?? null });
const serverMs = Date.now() - serverStart;
const dir = await mkdtemp(join(tmpdir(), 'driftbot-bench-'));
try {
  const seed = await createSeedRepository(join(dir, 'repo'));
  const base = { ref: seed.base, sha: await resolveCommit(seed.repo.dir, seed.base) };
  const head = { ref: seed.head, sha: await resolveCommit(seed.repo.dir, seed.head) };
  const python = await ensurePythonEnvironment();

  const reports: Report[] = [];
  for (let i = 0; i < RUNS; i++) reports.push(await analyse({ repo: seed.repo.dir, base, head, server }));
  if (reports.some((r) => r.status !== 'drift' || !r.fix?.verified)) throw new Error('the demo analysis did not find and fix the drift');

  const naive: number[] = [];
  await materialize(seed.repo.dir, head.sha, ['api'], join(dir, 'head'));
  for (let i = 0; i < RUNS; i++) naive.push(await naiveBuilds(python, join(dir, 'head')));

  const phases = new Map<string, number[]>();
  for (const report of reports) for (const phase of report.timings.phases) phases.set(phase.name, [...(phases.get(phase.name) ?? []), phase.ms]);
  const total = median(reports.map((r) => r.timings.totalMs));

  console.log(`driftbot bench · demo repository · PostgreSQL ${server.version} (${server.label}) · median of ${RUNS} runs\n`);
  console.log(`server start (once per process)   ${ms(serverMs)}`);
  for (const [name, values] of phases) console.log(`${name.padEnd(33)}${ms(median(values))}  ${pct(median(values), total)}`);
  console.log(`${'total analysis'.padEnd(33)}${ms(total)}`);
  const naiveMs = median(naive);
  console.log(`\nbaseline: three builds, one Python process each  ${ms(naiveMs)}`);
  console.log(`ratio: whole analysis / naive three builds       ${(total / naiveMs).toFixed(2)}`);

  // The generated monorepo: 2 databases, 4 chains, 150 revisions, 28 model files.
  const monorepo = await GitFixture.create(join(dir, 'monorepo'));
  await monorepo.commit('monorepo', generateMonorepo().files);
  await monorepo.branch('feature');
  await monorepo.commit('unrelated', { 'README.md': 'x\n' });
  const mBase = { ref: 'main', sha: await resolveCommit(monorepo.dir, 'main') };
  const mHead = { ref: 'feature', sha: await resolveCommit(monorepo.dir, 'feature') };
  const monorepoRuns: Report[] = [];
  for (let i = 0; i < Math.max(1, Math.ceil(RUNS / 2)); i++) monorepoRuns.push(await analyse({ repo: monorepo.dir, base: mBase, head: mHead, server }));
  if (monorepoRuns.some((r) => r.status !== 'clean')) throw new Error('the monorepo analysis was not clean');
  const monorepoMs = median(monorepoRuns.map((r) => r.timings.totalMs));
  console.log(`\nmonorepo (2 databases, 4 chains, 150 revisions)  ${ms(monorepoMs)}  (${monorepoRuns.length} runs)`);
  const slowest = [...(monorepoRuns[0]?.timings.phases ?? [])].sort((a, b) => b.ms - a.ms).slice(0, 4);
  console.log(`  slowest phases: ${slowest.map((p) => `${p.name} ${p.ms} ms`).join(', ')}`);
  console.log(`ratio: monorepo / demo analysis                  ${(monorepoMs / total).toFixed(2)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
  await server.stop();
}

/** Three upgrades of the same chain, each in a Python process of its own. */
async function naiveBuilds(python: string, head: string): Promise<number> {
  const databases = new ThrowawayDatabases(server);
  const started = Date.now();
  try {
    for (const purpose of ['fresh', 'upgraded', 'models']) {
      const database = await databases.create(`bench${purpose}`);
      const runner = await AlembicRunner.start({ python, env: { PATH: process.env.PATH ?? '' }, cwd: head, timeoutMs: 120_000 });
      try {
        await runner.upgrade({ url: database.url, versions: join(head, VERSIONS), versionTable: 'alembic_version', pythonPaths: [join(head, 'api')], stubMissingImports: false, root: head });
      } finally {
        await runner.close();
      }
    }
    return Date.now() - started;
  } finally {
    await databases.dropAll();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function ms(value: number): string {
  return `${value.toFixed(0).padStart(6)} ms`;
}

function pct(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(0).padStart(3)} %`;
}
