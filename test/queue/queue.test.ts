/**
 * The durable queue on the suite's real Postgres with real pg-boss: dedupe, supersede,
 * cancellation reaching a running job, fairness and the per-installation cap, dead
 * workers' jobs retried, graceful stop. The job bodies here are the tests' own
 * functions: what is under test is the queue and the worker, not the analysis (the app
 * tests run the real job through the same queue).
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { withClient } from '../../src/postgres/client.js';
import { HandedBack } from '../../src/github/check-run-ledger.js';
import { subjectOfLabel, subjectOfPush, type Subject } from '../../src/github/subject.js';
import { DurableQueue, jobKey, type QueueOptions } from '../../src/queue/durable-queue.js';
import { QueueWorker, type QueuedJob, type WorkerOptions } from '../../src/queue/worker.js';
import type { OpenCheckRun } from '../../src/github/check-run-ledger.js';

const opened: { queue: DurableQueue; workers: QueueWorker[] }[] = [];

async function openQueue(options: QueueOptions = {}) {
  const schema = `driftbot_test_${randomBytes(4).toString('hex')}`;
  const queue = await DurableQueue.open(inject('postgresUrl'), { retryDelaySeconds: 1, ...options, schema });
  const entry = { queue, workers: [] as QueueWorker[] };
  opened.push(entry);
  return entry;
}

afterEach(async () => {
  for (const { queue, workers } of opened.splice(0)) {
    for (const worker of workers) await worker.stop(0);
    await queue.close();
    await withClient(inject('postgresUrl'), (client) => client.query(`DROP SCHEMA IF EXISTS ${queue.schema} CASCADE`));
  }
});

const sha = (n: number) => String(n).padStart(40, '0');
const repository = (name: string) => ({ name, owner: { login: 'o' } });
const push = (installation: number, repo: string, number: number, head: number): Subject =>
  subjectOfPush({ repository: repository(repo), installation: { id: installation }, pull_request: { number, head: { sha: sha(head) } } });
const delivery = () => ({ id: randomBytes(4).toString('hex'), receivedAt: Date.now() });

async function states(queue: DurableQueue): Promise<Record<string, string>> {
  const { rows } = await queue.pool.query<{ singleton_key: string; state: string }>(`SELECT singleton_key, state FROM ${queue.schema}.job ORDER BY created_on`);
  return Object.fromEntries(rows.map((row) => [row.singleton_key, row.state]));
}

async function until(condition: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A worker whose job body is `body`; every job it starts and how it ended is recorded. */
function worker(entry: { queue: DurableQueue; workers: QueueWorker[] }, body: (job: QueuedJob, signal: AbortSignal) => Promise<void>, options: Partial<WorkerOptions> = {}) {
  const started: QueuedJob[] = [];
  const ended: { key: string; outcome: string }[] = [];
  const finished: { run: OpenCheckRun; why: string }[] = [];
  const w = new QueueWorker(entry.queue, {
    slots: 2,
    perInstallation: 2,
    pollMs: 25,
    heartbeatMs: 200,
    deadAfterMs: 1500,
    log: () => {},
    run: async (job, signal) => {
      started.push(job);
      await body(job, signal);
    },
    finishCheckRun: async (run, why) => void finished.push({ run, why }),
    onJobEnd: (job, outcome) => void ended.push({ key: jobKey(job.data.subject), outcome }),
    ...options,
  });
  entry.workers.push(w);
  return { worker: w, started, ended, finished };
}

const untilAborted = (signal: AbortSignal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));

describe('enqueue', () => {
  it('the same work twice is queued once; a newer head cancels the lane’s waiting job; other pull requests are untouched', async () => {
    const { queue } = await openQueue();
    expect((await queue.enqueue(push(1, 'r', 1, 1), delivery())).jobId).not.toBeNull();
    expect(await queue.enqueue(push(1, 'r', 1, 1), delivery())).toEqual({ jobId: null, superseded: 0 });
    await queue.enqueue(push(1, 'r', 2, 1), delivery());
    expect(await queue.enqueue(push(1, 'r', 1, 2), delivery())).toMatchObject({ superseded: 1 });
    // Someone asking about the same head is other work: it supersedes the push.
    await queue.enqueue(subjectOfLabel({ repository: repository('r'), installation: { id: 1 }, pull_request: { number: 1 } }, sha(2)), delivery());
    expect(await states(queue)).toEqual({
      [`o/r#1 ${sha(1)} push`]: 'cancelled',
      [`o/r#2 ${sha(1)} push`]: 'created',
      [`o/r#1 ${sha(2)} push`]: 'cancelled',
      [`o/r#1 ${sha(2)} label`]: 'created',
    });
    expect(await queue.depth()).toMatchObject({ created: 2, cancelled: 2, active: 0 });
  });

  it('many processes enqueueing the same deliveries at once still queue each piece of work once', async () => {
    const entry = await openQueue();
    const other = await DurableQueue.open(inject('postgresUrl'), { schema: entry.queue.schema });
    try {
      const subjects = Array.from({ length: 10 }, (_, i) => push(1, 'r', i % 5, 1));
      await Promise.all([...subjects, ...subjects].map((subject, i) => (i % 2 ? other : entry.queue).enqueue(subject, delivery())));
    } finally {
      await other.close();
    }
    expect(Object.values(await states(entry.queue))).toEqual(Array(5).fill('created'));
  });

  it('the first deliveries of many installations at once, from two processes: each is queued (creating their queues does not deadlock)', async () => {
    const entry = await openQueue();
    const other = await DurableQueue.open(inject('postgresUrl'), { schema: entry.queue.schema });
    try {
      const subjects = Array.from({ length: 40 }, (_, i) => push(1 + (i % 8), 'r', i, 1));
      const results = await Promise.all(subjects.map((subject, i) => (i % 2 ? other : entry.queue).enqueue(subject, delivery())));
      expect(results.filter((result) => result.jobId !== null)).toHaveLength(40);
    } finally {
      await other.close();
    }
    expect(Object.values(await states(entry.queue))).toEqual(Array(40).fill('created'));
  });

  it('a burst is decided in arrival order, as one delivery at a time would be: the same work once, a newer head supersedes one queued just before', async () => {
    const { queue } = await openQueue();
    const label = subjectOfLabel({ repository: repository('r'), installation: { id: 1 }, pull_request: { number: 3 } }, sha(1));
    // All sent in one go: they share transactions.
    const results = await Promise.all(
      [push(1, 'r', 1, 1), push(1, 'r', 2, 1), push(1, 'r', 1, 1), push(1, 'r', 1, 2), push(1, 'r', 3, 1), label, push(1, 'r', 2, 1), label].map((subject) =>
        queue.enqueue(subject, delivery()),
      ),
    );
    expect(results.map((result) => [result.jobId !== null, result.superseded])).toEqual([
      [true, 0],
      [true, 0],
      [false, 0],
      [true, 1],
      [true, 0],
      [true, 1],
      [false, 0],
      [false, 0],
    ]);
    expect(await states(queue)).toEqual({
      [`o/r#1 ${sha(1)} push`]: 'cancelled',
      [`o/r#2 ${sha(1)} push`]: 'created',
      [`o/r#1 ${sha(2)} push`]: 'created',
      [`o/r#3 ${sha(1)} push`]: 'cancelled',
      [`o/r#3 ${sha(1)} label`]: 'created',
    });
    // Each queued job carries its delivery and whether it cancelled others, as the worker reads them.
    const { rows } = await queue.pool.query<{ key: string; superseded: boolean }>(
      `SELECT singleton_key AS key, (data->>'supersededOthers')::boolean AS superseded FROM ${queue.schema}.job WHERE state = 'created' ORDER BY singleton_key`,
    );
    expect(rows).toEqual([
      { key: `o/r#1 ${sha(2)} push`, superseded: true },
      { key: `o/r#2 ${sha(1)} push`, superseded: false },
      { key: `o/r#3 ${sha(1)} label`, superseded: true },
    ]);
  });

  it('a subject without an installation is refused with a reason', async () => {
    const { queue } = await openQueue();
    const subject = push(1, 'r', 1, 1);
    await expect(queue.enqueue({ ...subject, repository: { ...subject.repository, installationId: null } }, delivery())).rejects.toThrow(
      'o/r#1: no App installation, so no worker could act on it',
    );
  });
});

describe('the worker', () => {
  it('a newer head cancels the running job: its AbortSignal fires within seconds, and the newer one runs', async () => {
    const entry = await openQueue();
    const { worker: w, started, ended } = worker(entry, (_job, signal) => untilAborted(signal).then(() => {}), { slots: 1 });
    await w.start();
    await entry.queue.enqueue(push(1, 'r', 1, 1), delivery());
    await until(() => started.length === 1);
    const pushedAt = Date.now();
    await entry.queue.enqueue(push(1, 'r', 1, 2), delivery());
    await until(() => ended.length === 1);
    expect(Date.now() - pushedAt).toBeLessThan(3000);
    expect(ended[0]).toEqual({ key: `o/r#1 ${sha(1)} push`, outcome: 'superseded' });
    await until(() => started.length === 2);
    expect(jobKey(started[1]!.data.subject)).toBe(`o/r#1 ${sha(2)} push`);
  });

  it('serves installations in turn, and caps each one’s running jobs across workers', async () => {
    const entry = await openQueue();
    const order: number[] = [];
    let running = 0;
    let most = 0;
    const body = async (job: QueuedJob) => {
      order.push(job.data.subject.repository.installationId!);
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 150));
      running--;
    };
    // A busy installation's five jobs queued first, a quiet one's two after.
    for (let i = 0; i < 5; i++) await entry.queue.enqueue(push(1, 'busy', i + 1, 1), delivery());
    for (let i = 0; i < 2; i++) await entry.queue.enqueue(push(2, 'quiet', i + 1, 1), delivery());
    const a = worker(entry, body, { slots: 1, perInstallation: 1 });
    await a.worker.start();
    await until(async () => (await entry.queue.depth()).completed === 7);
    expect(order).toEqual([1, 2, 1, 2, 1, 1, 1]);

    // Two workers with two slots each, a cap of one per installation: never two of one installation at once.
    order.length = 0;
    for (let i = 0; i < 6; i++) await entry.queue.enqueue(push(1, 'busy', i + 1, 2), delivery());
    const b = worker(entry, body, { slots: 2, perInstallation: 1 });
    const c = worker(entry, body, { slots: 2, perInstallation: 1 });
    await a.worker.stop(0);
    await Promise.all([b.worker.start(), c.worker.start()]);
    await until(async () => (await entry.queue.depth()).completed === 13);
    expect(most).toBe(1);
  });

  it('a dead worker’s job is retried by another; when its attempts run out, its check run is completed as interrupted', async () => {
    const entry = await openQueue({ retryLimit: 1 });
    const { queue } = entry;
    const s = queue.schema;
    await queue.enqueue(push(7, 'r', 1, 1), delivery());
    // What a SIGKILLed worker leaves: its job active, its heartbeat stopped, a check run open.
    const die = async () => {
      await until(async () => (await queue.boss.fetch('driftbot-check-7', { ignoreStartAfter: true })).length === 1);
      const { rows } = await queue.pool.query<{ id: string }>(`SELECT id FROM ${s}.job WHERE state = 'active'`);
      await queue.pool.query(
        `INSERT INTO ${s}.driftbot_workers (id, seen_at) VALUES ('killed', now() - interval '1 hour') ON CONFLICT (id) DO UPDATE SET seen_at = now() - interval '1 hour'`,
      );
      await queue.pool.query(`INSERT INTO ${s}.driftbot_running (job_id, queue, worker_id) VALUES ($1, 'driftbot-check-7', 'killed')`, [rows[0]!.id]);
      return rows[0]!.id;
    };
    const jobId = await die();
    await queue.pool.query(
      `INSERT INTO ${s}.driftbot_check_runs (job_id, queue, installation_id, owner, repo, check_run_id, head_sha) VALUES ($1, 'driftbot-check-7', 7, 'o', 'r', 555, $2)`,
      [jobId, sha(1)],
    );
    // A surviving worker that takes no job itself: it only notices the dead one.
    const survivor = worker(entry, async () => {}, { slots: 0 });
    await survivor.worker.start();
    await until(async () => (await states(queue))[`o/r#1 ${sha(1)} push`] === 'retry');
    await die();
    await until(async () => (await states(queue))[`o/r#1 ${sha(1)} push`] === 'failed');
    await until(() => survivor.finished.length === 1);
    expect(survivor.finished).toEqual([{ run: { installationId: 7, owner: 'o', repo: 'r', checkRunId: 555, headSha: sha(1) }, why: 'interrupted' }]);
    expect((await queue.pool.query(`SELECT * FROM ${s}.driftbot_check_runs`)).rows).toEqual([]);
  });

  it('graceful stop: takes nothing more, lets a short job finish, hands a long one back to the queue', async () => {
    const entry = await openQueue();
    const reasons: unknown[] = [];
    const { worker: w, ended } = worker(entry, async (job, signal) => {
      if (job.data.subject.reportTo.kind === 'pull-request' && job.data.subject.reportTo.number === 1) return new Promise((resolve) => setTimeout(resolve, 300));
      await untilAborted(signal);
      reasons.push(signal.reason);
    });
    await entry.queue.enqueue(push(1, 'r', 1, 1), delivery());
    await entry.queue.enqueue(push(1, 'r', 2, 1), delivery());
    await w.start();
    await until(() => w.busy === 2);
    await entry.queue.enqueue(push(1, 'r', 3, 1), delivery());
    await w.stop(1000);
    expect(ended).toEqual([
      { key: `o/r#1 ${sha(1)} push`, outcome: 'completed' },
      { key: `o/r#2 ${sha(1)} push`, outcome: 'handed-back' },
    ]);
    expect(reasons).toEqual([expect.any(HandedBack)]);
    expect(await states(entry.queue)).toEqual({ [`o/r#1 ${sha(1)} push`]: 'completed', [`o/r#2 ${sha(1)} push`]: 'retry', [`o/r#3 ${sha(1)} push`]: 'created' });
  });
});
