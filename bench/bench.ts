/**
 * `npm run bench`: driftbot against honest baselines, measured in the same run on the
 * same Postgres server, on three repositories (the demo, the 150-revision monorepo, a
 * 500-revision single chain). bench/README.md says what each number means. This file
 * only orchestrates and prints; each measurement lives in a file of its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePythonEnvironment } from '../src/alembic/python-env.js';
import type { PostgresServer } from '../src/postgres/server.js';
import { createSeedRepository, VERSIONS } from '../demo/seed-repo.js';
import { GitFixture } from '../demo/git-fixture.js';
import { generateMonorepo } from '../demo/monorepo.js';
import { createLongChainRepository, LONG_CHAIN_VERSIONS } from '../demo/long-chain.js';
import { runDriftbot, type DriftbotRun } from './cold.js';
import { runServed } from './served.js';
import { runFloor, type FloorResult } from './floor.js';
import { load, median, ms } from './measure.js';
import { copyTree, runNaive, type NaiveChain, type NaiveResult } from './naive.js';
import { findPgTools, openBenchServer, type PgTools } from './pg-tools.js';
import { addRevision } from './warm.js';
import { clearTemplateCache } from '../src/postgres/template-cache.js';
import { withClient } from '../src/postgres/client.js';

interface Subject {
  title: string;
  runs: number;
  /** Builds the repository in `dir`; returns its base and head refs. */
  create(dir: string): Promise<{ base: string; head: string }>;
  chains: NaiveChain[];
  /** What the naive run needs installed that a team's CI would have (the app's own requirements). */
  installed?: Record<string, string>;
  expect: 'drift' | 'clean';
}

const runsOf = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of runs, 1 or more (not "${process.env[name]}")`);
  return value;
};

const monorepo = generateMonorepo();
const SUBJECTS: Subject[] = [
  {
    title: 'demo (1 database, 1 chain, 8 revisions, edited in place)',
    runs: runsOf('BENCH_RUNS', 3),
    create: (dir) => createSeedRepository(dir).then((seed) => ({ base: seed.base, head: seed.head })),
    chains: [{ database: 'core', versions: VERSIONS, versionTable: 'alembic_version' }],
    expect: 'drift',
  },
  {
    title: 'monorepo (2 databases, 4 chains, 150 revisions, no drift)',
    runs: runsOf('BENCH_RUNS_BIG', 1),
    create: async (dir) => {
      const repo = await GitFixture.create(dir);
      await repo.commit('monorepo', monorepo.files);
      await repo.branch('feature');
      await repo.commit('unrelated', { 'README.md': 'x\n' });
      return { base: 'main', head: 'feature' };
    },
    chains: monorepo.chains.map((c) => ({ database: c.database, versions: c.versions, versionTable: c.versionTable })),
    // Its app code imports pydantic_settings, which driftbot stubs and a team's CI installs.
    installed: { pydantic_settings: 'class BaseSettings:\n    pass\n' },
    expect: 'clean',
  },
  {
    title: 'long chain (1 database, 500 revisions with data migrations, edited in place at 495)',
    runs: runsOf('BENCH_RUNS_BIG', 1),
    create: (dir) => createLongChainRepository(dir).then((chain) => ({ base: chain.base, head: chain.head })),
    chains: [{ database: 'main', versions: LONG_CHAIN_VERSIONS, versionTable: 'alembic_version' }],
    expect: 'drift',
  },
];

// The client first: it decides which server the whole bench runs on (pg-tools.ts).
const tools = await findPgTools();
const server = await openBenchServer(tools, process.env.DRIFTBOT_DATABASE_URL || null);
const dir = await mkdtemp(join(tmpdir(), 'driftbot-bench-'));
try {
  const python = await ensurePythonEnvironment();
  // Where its data is decides what a CREATE DATABASE costs, for every row alike (memory-folder.ts).
  const dataFolder = await withClient(server.adminUrl, async (client) => (await client.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory);
  console.log(
    `driftbot bench · PostgreSQL ${server.version} (${server.label}, data in ${dataFolder}), for driftbot, naive and floor alike · pg_dump/psql ${tools.version} (${tools.pgDump}) · ${new Date().toISOString()}`,
  );
  // Other work on the machine slows every row alike, but makes the milliseconds noisy: say how busy it was.
  console.log(`${cpus().length} cores · load average at start ${load()}`);
  for (const [index, subject] of SUBJECTS.entries()) await benchOne(server, python, tools, subject, join(dir, `repo${index}`));
  console.log(`\nload average at end ${load()}`);
} finally {
  await rm(dir, { recursive: true, force: true });
  await server.stop();
}

async function benchOne(server: PostgresServer, python: string, tools: PgTools, subject: Subject, dir: string): Promise<void> {
  const repo = join(dir, 'repo');
  const { base, head } = await subject.create(repo);
  const rows: DriftbotRows = { cold: [], warmPush: [], warmBase: [], servedCold: [], servedPush: [], servedBase: [] };
  const naive: NaiveResult[] = [];
  const floor: FloorResult[] = [];
  const versions = subject.chains[0]!.versions;
  const driftbotRun = async (i: number) => {
    // Cold: nothing cached on the server.
    await clearTemplateCache(server);
    const cold = await runDriftbot(server, repo, base, head, dir);
    if (cold.status !== subject.expect) throw new Error(`${subject.title}: driftbot reported ${cold.status}, expected ${subject.expect}`);
    rows.cold.push(cold);
    // The same pull request, one more commit on head; then another pull request on the same base.
    const pushed = await addRevision(repo, head, `bench-push-${i}`, versions);
    const warmPush = await runDriftbot(server, repo, base, pushed, dir);
    if (warmPush.status !== subject.expect) throw new Error(`${subject.title}: warm-push reported ${warmPush.status}, expected ${subject.expect}`);
    rows.warmPush.push(warmPush);
    const other = await addRevision(repo, base, `bench-other-${i}`, versions);
    rows.warmBase.push(await runDriftbot(server, repo, base, other, dir));
    // The same three analyses, from the same empty cache, in one long-lived process as the App runs them.
    await clearTemplateCache(server);
    const [servedCold, servedPush, servedBase] = await runServed(server, repo, [
      [base, head],
      [base, pushed],
      [base, other],
    ]);
    // The other pull request on base is not checked against subject.expect: its own status is the CLI's.
    for (const [run, label, expected] of [
      [servedCold!, 'served cold', subject.expect],
      [servedPush!, 'served warm-push', subject.expect],
      [servedBase!, 'served warm-base', rows.warmBase[rows.warmBase.length - 1]!.status],
    ] as const) {
      if (run.status !== expected) throw new Error(`${subject.title}: ${label} reported ${run.status}, the CLI ${expected}`);
    }
    rows.servedCold.push(servedCold!);
    rows.servedPush.push(servedPush!);
    rows.servedBase.push(servedBase!);
  };
  const baselineRun = async (i: number) => {
    // Fresh tree copies for every run, as a CI job checks out: no bytecode left by the last one.
    const trees = join(dir, `naive${i}`);
    await copyTree(repo, base, join(trees, 'base'));
    await copyTree(repo, head, join(trees, 'head'));
    const result = await runNaive({
      server,
      python,
      tools,
      baseTree: join(trees, 'base'),
      headTree: join(trees, 'head'),
      chains: subject.chains,
      pythonPaths: ['api'],
      installed: subject.installed,
    });
    await rm(trees, { recursive: true, force: true });
    if ((result.diff !== '') !== (subject.expect === 'drift'))
      throw new Error(`${subject.title}: the naive diff is ${result.diff ? 'not ' : ''}empty, but driftbot reported ${subject.expect}`);
    naive.push(result);
    floor.push(await runFloor(server, tools, result.dumps));
  };
  for (let i = 0; i < subject.runs; i++) {
    // Alternating which goes first, so that neither always meets a warmer server and page cache.
    if (i % 2 === 0) {
      await driftbotRun(i);
      await baselineRun(i);
    } else {
      await baselineRun(i);
      await driftbotRun(i);
    }
  }
  await clearTemplateCache(server);
  printTable(subject, rows, naive, floor);
}

interface DriftbotRows {
  cold: DriftbotRun[];
  /** The same pull request after one more commit on head (a revision added). */
  warmPush: DriftbotRun[];
  /** Another pull request on the same base (a revision added). */
  warmBase: DriftbotRun[];
  /** The same three in one long-lived process (serve's worker), from the same empty cache. */
  servedCold: DriftbotRun[];
  servedPush: DriftbotRun[];
  servedBase: DriftbotRun[];
}

function printTable(subject: Subject, rows: DriftbotRows, naive: NaiveResult[], floor: FloorResult[]): void {
  const m = (values: number[]) => median(values);
  const naiveMs = m(naive.map((r) => r.ms));
  const restoreMs = m(floor.map((r) => r.restoreMs));
  const templateMs = m(floor.map((r) => r.templateMs));
  const fileCopyMs = m(floor.map((r) => r.fileCopyMs));
  const step = (name: keyof NaiveResult['steps']) => `${name} ${m(naive.map((r) => r.steps[name])).toFixed(0)}`;
  const schemas = floor[0]?.schemas ?? 0;
  const diffLines = naive[0]!.diff.split('\n').filter((line) => /^[-+][^-+]/.test(line)).length;
  const row = (label: string, value: string, note = '') => console.log(`  ${label.padEnd(44)}${value.padStart(12)}  ${note}`);
  const copyFloor = Math.min(templateMs, fileCopyMs);

  console.log(`\n${subject.title} · median of ${subject.runs} run${subject.runs === 1 ? '' : 's'}`);
  row(
    'naive: alembic CLI per build + pg_dump + diff',
    ms(naiveMs),
    `${step('fresh')} · ${step('base')} · ${step('upgraded')} · ${step('dump')} · ${step('diff')} ms; ${diffLines} changed lines`,
  );
  row(`floor: psql restore of ${schemas} schema dumps`, ms(restoreMs));
  row(`floor: CREATE DATABASE … TEMPLATE ×${schemas}`, ms(templateMs), 'default strategy (WAL_LOG)');
  row(`floor: … TEMPLATE STRATEGY = FILE_COPY ×${schemas}`, ms(fileCopyMs));
  const scenarios = [
    ['cold', 'empty cache', rows.cold, 'bin/driftbot check'],
    ['warm-push', 'one more commit on head', rows.warmPush, 'bin/driftbot check'],
    ['warm-base', 'another pull request on base', rows.warmBase, 'bin/driftbot check'],
    ['served cold', 'empty cache, first analysis', rows.servedCold, "the App's engine"],
    ['served warm-push', 'then one more commit on head', rows.servedPush, "the App's engine"],
    ['served warm-base', 'then another pull request', rows.servedBase, "the App's engine"],
  ] as const;
  for (const [name, what, runs, how] of scenarios) {
    const first = runs[0]!;
    row(
      `driftbot ${name}: ${how}`,
      ms(m(runs.map((r) => r.ms))),
      `${what}; analysis ${m(runs.map((r) => r.analysisMs)).toFixed(0)} ms; ${first.status}, ${first.findings} finding(s)`,
    );
  }
  for (const [name, , runs] of scenarios.slice(0, 4)) {
    row(
      `peak RSS, driftbot process tree (${name.replace(' cold', '')})`,
      `${(Math.max(...runs.map((r) => r.peakRss)) / 2 ** 20).toFixed(0)} MiB`,
      name.startsWith('served') ? 'the whole served process, its three analyses' : 'largest of the runs; the Postgres server is not in the tree',
    );
  }
  for (const [name, , runs] of scenarios) {
    const driftbotMs = m(runs.map((r) => r.ms));
    row(`naive / driftbot ${name}`, ratio(naiveMs, driftbotMs));
    row(`driftbot ${name} / floor (psql restore)`, ratio(driftbotMs, restoreMs));
    row(`driftbot ${name} / floor (template copy)`, ratio(driftbotMs, copyFloor), 'the faster strategy');
  }
  console.log(`  driftbot phases (median ms): ${scenarios.map(([name]) => name.replace('served ', 's.').padStart(10)).join('')}`);
  const names = [...new Set(scenarios.flatMap(([, , runs]) => runs.flatMap((r) => r.phases.map((p) => p.name))))];
  for (const name of names) {
    const cells = scenarios.map(([, , runs]) => m(runs.map((r) => r.phases.filter((p) => p.name === name).reduce((sum, p) => sum + p.ms, 0))));
    console.log(`    ${name.padEnd(42)}${cells.map((c) => c.toFixed(0).padStart(10)).join('')}`);
  }
}

function ratio(a: number, b: number): string {
  return b > 0 ? (a / b).toFixed(2) : 'n/a';
}
