/**
 * Load and faults over real processes: one `driftbot serve` (webhooks only) and two
 * `driftbot worker`s, sharing a queue database, with GitHub's API faked by nock in this
 * process and reached by the children through a small relay (their GHE_HOST). 200
 * signed deliveries for 50 pull requests in 5 installations: pushes in bursts,
 * redeliveries of the same and of old events, and `driftbot:rerun` labels that the
 * next push supersedes. One worker is SIGKILLed while it runs a job (and started
 * again, as an orchestrator would), the serve process is restarted mid-burst (the
 * sender retries what it refused meanwhile, as a redelivery would).
 *
 * Afterwards: every pull request has exactly one sticky comment and exactly one
 * completed check run with a verdict for its latest head, no check run is left in
 * progress, no job is waiting, running or failed, and nothing is left behind — no
 * throwaway database or role on the analyses' own Postgres, no process, no folder.
 *
 * The pull requests come from strangers' forks, so their pushes get the static check
 * (the real pipeline, sandbox included, without building databases): that keeps 200
 * deliveries within a few minutes on two cores. The labels come from a maintainer and
 * start full analyses, which the next push cancels.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import nock from 'nock';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';
import { openServer, type PostgresServer } from '../../src/postgres/server.js';
import { databaseUrl, withClient } from '../../src/postgres/client.js';
import { createSeedRepository, VERSIONS } from '../../demo/seed-repo.js';
import type { GitFixture } from '../../demo/git-fixture.js';
import { FakeGitHub } from '../app/fake-github.js';

const PULLS = 50;
const INSTALLATIONS = 5;
const LABELLED = 10;
const SECRET = 'load-secret';
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

let root: string;
let origin: GitFixture;
let relay: Server;
let analyses: PostgresServer;
let queueDatabase: string;
const children = new Set<ChildProcess>();
/** Every process started, by id: the folders each makes are named by it (memory-folder.ts). */
const startedPids: number[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The children's GitHub: each request replayed here, where nock answers as api.github.com. */
async function startRelay(): Promise<number> {
  const port = await freePort();
  relay = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const body = Buffer.concat(chunks);
        const response = await fetch(`https://api.github.com${(req.url ?? '').replace(/^\/api\/v3/, '')}`, {
          method: req.method,
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: body.length ? body : undefined,
        });
        res.writeHead(response.status, { 'content-type': 'application/json' });
        res.end(Buffer.from(await response.arrayBuffer()));
      } catch (error) {
        res.writeHead(502);
        res.end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
  return port;
}

function start(command: 'serve' | 'worker', env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [join(packageRoot(), 'bin/driftbot'), command], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (code && code !== 143 && signal !== 'SIGKILL') process.stderr.write(`[load] ${command} exited ${code}: ${stderr}\n`);
  });
  children.add(child);
  startedPids.push(child.pid!);
  return child;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 180_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'driftbot-test-load-'));
  // The sandboxed runner (and, as root, nothing else) must reach the workers' folders in here.
  await chmod(root, 0o755);
  origin = (await createSeedRepository(join(root, 'origin'))).repo;
  // One origin for every pull request: each repository `o/prN` is a link to it, with its own refs/pull/N.
  await mkdir(join(root, 'git', 'o'), { recursive: true });
  for (let n = 1; n <= PULLS; n++) await symlink(join(root, 'origin'), join(root, 'git', 'o', `pr${n}`));
  analyses = await openServer();
  queueDatabase = `queue_load_${randomBytes(4).toString('hex')}`;
  await withClient(inject('postgresUrl'), (client) => client.query(`CREATE DATABASE ${queueDatabase}`));
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});

afterAll(async () => {
  for (const child of [...children]) await stop(child, 'SIGKILL');
  relay?.close();
  nock.cleanAll();
  nock.enableNetConnect();
  await analyses?.stop();
  if (queueDatabase) await withClient(inject('postgresUrl'), (client) => client.query(`DROP DATABASE IF EXISTS ${queueDatabase} WITH (FORCE)`));
  await rm(root, { recursive: true, force: true });
});

describe('serve and two workers under load and faults', () => {
  it('200 deliveries for 50 pull requests, a worker SIGKILLed, serve restarted: one comment and one completed check run per pull request for its latest head', async () => {
    const relayPort = await startRelay();
    const servePort = await freePort();
    const queueUrl = databaseUrl(inject('postgresUrl'), queueDatabase);
    const base: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'test',
      APP_ID: '1',
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: `127.0.0.1:${relayPort}`,
      GHE_PROTOCOL: 'http',
      LOG_LEVEL: 'warn',
      DRIFTBOT_QUEUE_URL: queueUrl,
      DRIFTBOT_DATABASE_URL: analyses.adminUrl,
      DRIFTBOT_CLONE_URL: `file://${join(root, 'git')}/{owner}/{repo}`,
      DRIFTBOT_WORKER_TIMEOUT_SECONDS: '4',
      DRIFTBOT_RETRY_DELAY_SECONDS: '1',
      DRIFTBOT_SHUTDOWN_SECONDS: '5',
      // The workers' analysis folders: in here, so that what a killed worker leaves goes with the test.
      TMPDIR: join(root, 'tmp'),
    };
    await mkdir(join(root, 'tmp'), { mode: 0o755 });
    const worker = (n: number) =>
      start('worker', { ...base, PORT: '0', DRIFTBOT_CONCURRENCY: '2', DRIFTBOT_INSTALLATION_CONCURRENCY: '2', DRIFTBOT_CACHE_DIR: join(root, `cache-${n}`) });
    const serveEnv = { ...base, PORT: String(servePort), DRIFTBOT_CONCURRENCY: '0', DRIFTBOT_CACHE_DIR: join(root, 'cache-serve') };
    let serve = start('serve', serveEnv);
    let killedPid = -1;
    const workers = [worker(1), worker(2)];

    // Heads: three commits per pull request, on its own branch of the one origin.
    const heads: string[][] = [];
    await origin.checkout('feature');
    for (let n = 1; n <= PULLS; n++) {
      const mine: string[] = [];
      for (let k = 1; k <= 3; k++) {
        mine.push(await origin.commit(`pr ${n} push ${k}`, { [`notes/pr${n}.txt`]: `${k}\n` }));
        await origin.git('update-ref', `refs/keep/pr${n}-${k}`, mine.at(-1)!);
      }
      heads.push(mine);
      await origin.git('reset', '--quiet', '--hard', 'HEAD~3');
    }
    const fakes = heads.map((_, i) => {
      const n = i + 1;
      const fake = new FakeGitHub('o', `pr${n}`, {
        number: n,
        headSha: '',
        headRef: 'feature',
        draft: false,
        fork: true,
        authorAssociation: 'NONE',
        maintainerCanModify: false,
        files: [`${VERSIONS}/oss000000008_add_session_streams.py`],
      });
      fake.permissions.maint = 'write';
      fake.install();
      return fake;
    });

    const installation = (n: number) => ({ id: 1 + (n % INSTALLATIONS) });
    const repository = (n: number) => ({ name: `pr${n}`, full_name: `o/pr${n}`, owner: { login: 'o' } });
    const sent: { id: string; name: string; body: string }[] = [];
    let deliveries = 0;
    /** Signed like GitHub; refused or unreachable (serve restarting) is sent again, as a redelivery would be. */
    const send = async (delivery: { id: string; name: string; body: string }) => {
      deliveries++;
      const signature = `sha256=${createHmac('sha256', SECRET).update(delivery.body).digest('hex')}`;
      for (;;) {
        const status = await fetch(`http://127.0.0.1:${servePort}/api/github/webhooks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-github-event': delivery.name, 'x-github-delivery': delivery.id, 'x-hub-signature-256': signature },
          body: delivery.body,
        }).then(
          (response) => response.status,
          () => 0,
        );
        if (status >= 200 && status < 300) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    const deliver = (name: string, payload: object) => {
      const delivery = { id: randomBytes(8).toString('hex'), name, body: JSON.stringify(payload) };
      sent.push(delivery);
      return send(delivery);
    };
    const latestPush = new Map<number, number>();
    /** A push: the pull request's head moves, then GitHub tells us. */
    const push = async (n: number, k: number) => {
      const head = heads[n - 1]![k - 1]!;
      await origin.git('update-ref', `refs/pull/${n}/head`, head);
      fakes[n - 1]!.pull.headSha = head;
      latestPush.set(n, Date.now());
      await deliver('pull_request', {
        action: 'synchronize',
        number: n,
        pull_request: { number: n, head: { sha: head } },
        repository: repository(n),
        installation: installation(n),
      });
    };
    /** The same deliveries again: GitHub's redeliveries, or an operator's. */
    const redeliver = (count: number) => Promise.all(Array.from({ length: count }, () => send(sent[Math.floor(Math.random() * sent.length)]!)));
    const all = (work: (n: number) => Promise<void>) => Promise.all(Array.from({ length: PULLS }, (_, i) => work(i + 1)));

    await until(
      () =>
        fetch(`http://127.0.0.1:${servePort}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      'serve to be ready',
      60_000,
    );
    const began = Date.now();

    // Burst 1: every pull request's first push, and redeliveries.
    await all((n) => push(n, 1));
    await redeliver(30);

    // A worker dies while it runs a job: SIGKILL, no goodbye. An orchestrator starts another.
    const { Client } = (await import('pg')).default;
    const queueDb = new Client({ connectionString: queueUrl });
    await queueDb.connect();
    try {
      await until(
        async () => (await queueDb.query(`SELECT 1 FROM driftbot_queue.driftbot_running WHERE worker_id LIKE $1`, [`%-${workers[0]!.pid}-%`])).rowCount! > 0,
        'worker 1 to run a job',
      );
      const killedJobs = (
        await queueDb.query<{ job_id: string }>(`SELECT job_id FROM driftbot_queue.driftbot_running WHERE worker_id LIKE $1`, [`%-${workers[0]!.pid}-%`])
      ).rows.map((r) => r.job_id);
      expect(killedJobs.length).toBeGreaterThan(0);
      killedPid = workers[0]!.pid!;
      await stop(workers[0]!, 'SIGKILL');
      workers[0] = worker(3);

      // Burst 2: every pull request's second push; serve restarted halfway through (SIGTERM, then started again).
      const half = Array.from({ length: PULLS / 2 }, (_, i) => i + 1);
      await Promise.all(half.map((n) => push(n, 2)));
      const restarting = (async () => {
        await stop(serve);
        serve = start('serve', serveEnv);
      })();
      await Promise.all(half.map((n) => push(n + PULLS / 2, 2)));
      await restarting;
      await redeliver(30);

      // Burst 3: a maintainer's rerun label on ten pull requests, each superseded by a third push; old deliveries again.
      for (let n = 1; n <= LABELLED; n++) {
        await deliver('pull_request', {
          action: 'labeled',
          number: n,
          label: { name: 'driftbot:rerun' },
          sender: { login: 'maint' },
          pull_request: { number: n, head: { sha: heads[n - 1]![1]! } },
          repository: repository(n),
          installation: installation(n),
        });
      }
      await Promise.all(Array.from({ length: LABELLED }, (_, i) => push(i + 1, 3)));
      await redeliver(200 - deliveries);
      expect(deliveries).toBe(200);

      // Settled: a verdict on every latest head, nothing waiting or running.
      const posted = new Map<number, number>();
      await until(
        async () => {
          fakes.forEach((fake, i) => {
            if (!posted.has(i + 1) && fake.checkRuns.some((r) => r.head_sha === fake.pull.headSha && r.status === 'completed' && r.conclusion !== 'cancelled'))
              posted.set(i + 1, Date.now());
          });
          if (posted.size < PULLS) return false;
          const { rows } = await queueDb.query(`SELECT count(*)::int AS n FROM driftbot_queue.job WHERE state <= 'active'`);
          return rows[0].n === 0;
        },
        'every pull request to get its verdict',
        420_000,
      ).catch(async (error: Error) => {
        // What is missing, to tell a stuck queue from a slow machine.
        const missing = fakes
          .filter((_, i) => !posted.has(i + 1))
          .map((fake) => `${fake.repo} ${JSON.stringify(fake.checkRuns.map((r) => [r.head_sha.slice(0, 7), r.status, r.conclusion]))}`);
        const { rows } = await queueDb.query(`SELECT singleton_key, state::text, retry_count FROM driftbot_queue.job WHERE state <= 'active' OR state = 'failed'`);
        throw new Error(`${error.message}: without a verdict ${missing.join('; ')}; jobs ${JSON.stringify(rows)}`);
      });
      const minutes = (Date.now() - began) / 60_000;

      for (const fake of fakes) {
        expect(fake.stickyComments(), fake.repo).toHaveLength(1);
        expect(fake.stickyComments()[0]!.body, fake.repo).toContain(fake.pull.headSha.slice(0, 7));
        const verdicts = fake.checkRuns.filter((r) => r.head_sha === fake.pull.headSha && r.status === 'completed' && r.conclusion !== 'cancelled');
        expect(verdicts, fake.repo).toHaveLength(1);
        expect(verdicts[0]!.output.title, fake.repo).toBe('Static check only: a maintainer can run the full analysis');
        expect(
          fake.checkRuns.filter((r) => r.status !== 'completed'),
          fake.repo,
        ).toEqual([]);
      }
      const { rows: states } = await queueDb.query<{ state: string; n: number }>(
        `SELECT state::text, count(*)::int AS n FROM driftbot_queue.job WHERE starts_with(name, 'driftbot-check-') GROUP BY state`,
      );
      const byState = Object.fromEntries(states.map((row) => [row.state, row.n]));
      expect(byState.failed ?? 0).toBe(0);
      // The killed worker's jobs went back to the queue and were finished by another, or
      // were superseded by a newer push meanwhile (then cancelled, never retried): none is lost.
      const killed = (
        await queueDb.query<{ state: string; retry_count: number }>(`SELECT state::text, retry_count FROM driftbot_queue.job WHERE id = ANY($1::uuid[])`, [killedJobs])
      ).rows;
      expect(killed.length).toBe(killedJobs.length);
      for (const job of killed) expect(job.state === 'cancelled' || (job.state === 'completed' && job.retry_count > 0), JSON.stringify(job)).toBe(true);
      expect((await queueDb.query(`SELECT * FROM driftbot_queue.driftbot_check_runs`)).rows).toEqual([]);

      const latencies = [...posted].map(([n, at]) => (at - latestPush.get(n)!) / 1000).sort((a, b) => a - b);
      const p99 = latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)]!;
      process.stderr.write(
        `[load] ${deliveries} deliveries, ${PULLS} pull requests: ${byState.completed ?? 0} jobs completed, ${byState.cancelled ?? 0} superseded, in ${minutes.toFixed(2)} min: ` +
          `${((byState.completed ?? 0) / minutes).toFixed(1)} jobs/minute; delivery → posted p99 ${p99.toFixed(1)} s (median ${latencies[Math.floor(latencies.length / 2)]!.toFixed(1)} s)\n`,
      );
    } finally {
      await queueDb.end();
    }

    // Stopped gracefully, nothing is left: no process, no throwaway database or role, no analysis folder.
    for (const child of [serve, ...workers]) await stop(child);
    const left = await withClient(analyses.adminUrl, async (client) => {
      const { rows } = await client.query<{ name: string }>(
        `SELECT datname AS name FROM pg_database WHERE datname LIKE 'driftbot%' UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE 'driftbot%'`,
      );
      return rows.map((row) => row.name);
    });
    expect(left).toEqual([]);
    // Each process made its folders in memory when there was room, else in its TMPDIR, named by its id.
    const foldersOf = async (pid: number) =>
      (
        await Promise.all(
          ['/dev/shm', join(root, 'tmp')].map(async (dir) =>
            (await readdir(dir).catch(() => [])).filter((name) => name.startsWith(`driftbot-run-${pid}-`) || name.startsWith(`driftbot-pg-${pid}-`)).map((name) => join(dir, name)),
          ),
        )
      ).flat();
    for (const pid of startedPids.filter((pid) => pid !== killedPid)) expect(await foldersOf(pid), `process ${pid}`).toEqual([]);
    // Only what the SIGKILLed worker could not clean: at most the analysis folders of its running jobs (and its spare start).
    const killedLeft = await foldersOf(killedPid);
    expect(killedLeft.length).toBeLessThanOrEqual(2);
    await Promise.all(killedLeft.map((folder) => rm(folder, { recursive: true, force: true })));
    expect(children.size).toBe(0);
  }, 600_000);
});
