/**
 * The job queue, on Postgres with pg-boss: a job's data is its `Subject` (plain JSON, no
 * client, no token), so any worker on any machine can take it. What pg-boss does not
 * decide is decided here, under a per-lane advisory lock so that two `serve` processes
 * enqueueing at once agree:
 *
 * - dedupe: a job is keyed by (repository, pull request or merge group, head sha, who
 *   asked); the same key already waiting — or running, when the head is known — is
 *   the same work, and nothing is queued;
 * - supersede: anything else for the same lane (a newer head, another request) cancels
 *   the lane's waiting and running jobs; a worker notices its running job's cancellation
 *   within a second (`worker.ts`) and aborts the analysis.
 *
 * One pg-boss queue per installation (`driftbot-check-<id>`): the worker serves the
 * installations in turn and caps each one's running analyses across all workers
 * (`worker.ts` says why this and not a pg-boss policy).
 *
 * pg-boss 10: its current major (12) needs Node 22, and driftbot runs on Node 20.
 */
import PgBoss from 'pg-boss';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { laneOf, type Subject } from '../github/subject.js';
import type { PostedHeads } from '../github/check-subject.js';

export const QUEUE_PREFIX = 'driftbot-check-';

/** What a job carries: the subject, and what the logs and the latency metric need. */
export interface JobData {
  subject: Subject;
  /** The webhook delivery that asked for it, for the logs. */
  deliveryId: string | null;
  /** When the delivery was received (ms since the epoch): delivery → posted latency. */
  receivedAt: number;
  /** Whether queueing it cancelled other work of its lane (which may have been about a newer head). */
  supersededOthers: boolean;
}

export interface QueueOptions {
  /** The Postgres schema of pg-boss's tables and driftbot's own (workers, running jobs, open check runs). */
  schema?: string;
  /** Attempts after the first, for a job whose worker died or failed (with exponential backoff from retryDelaySeconds). */
  retryLimit?: number;
  retryDelaySeconds?: number;
  /** pg-boss's own last resort for a job active this long; a dead worker's jobs are found much sooner (its heartbeat stops). */
  expireInSeconds?: number;
}

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';
export const JOB_STATES: JobState[] = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'];

/** The pg-boss queue of the subject's installation. */
export function queueOf(subject: Subject): string {
  if (subject.repository.installationId === null) throw new Error(`${laneOf(subject)}: no App installation, so no worker could act on it`);
  return `${QUEUE_PREFIX}${subject.repository.installationId}`;
}

/** What makes two jobs the same work. Refs and names hold no spaces: the lane is the key up to its first space. */
export function jobKey(subject: Subject): string {
  const asked = subject.asked.by === 'command' ? `command:${subject.asked.command}` : subject.asked.by;
  return `${laneOf(subject)} ${subject.headSha ?? 'head'} ${asked}`;
}

/** A pg client as pg-boss's `db` option: its statements join our transaction. */
function asBossDb(client: pg.PoolClient): PgBoss.Db {
  return { executeSql: (text, values) => client.query(text, values) };
}

type Delivery = { id: string | null; receivedAt: number };
type Enqueued = { jobId: string | null; superseded: number };

/** An enqueue waiting for the next transaction. */
interface PendingEnqueue {
  queue: string;
  subject: Subject;
  key: string;
  lane: string;
  delivery: Delivery;
  resolve(result: Enqueued): void;
  reject(error: unknown): void;
}

interface LiveJob {
  id: string;
  queue: string;
  key: string;
  state: JobState;
}

export class DurableQueue {
  private readonly knownQueues = new Map<string, Promise<string>>();
  /** Queue creation, one at a time in this process: pg-boss's creations of two queues at once deadlock each other. */
  private creating: Promise<unknown> = Promise.resolve();
  private pending: PendingEnqueue[] = [];
  private flushing: Promise<void> | null = null;

  private constructor(
    readonly boss: PgBoss,
    readonly pool: pg.Pool,
    readonly schema: string,
    private readonly options: Required<Omit<QueueOptions, 'schema'>>,
  ) {}

  static async open(url: string, options: QueueOptions = {}): Promise<DurableQueue> {
    const schema = options.schema ?? 'driftbot_queue';
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`queue schema "${schema}": lower-case letters, digits and _ only`);
    const boss = new PgBoss({ connectionString: url, schema, max: 4, application_name: 'driftbot-queue' });
    const pool = new pg.Pool({ connectionString: url, max: 4, application_name: 'driftbot-queue' });
    // A connection that breaks while idle must not end the process.
    pool.on('error', () => {});
    boss.on('error', () => {});
    await boss.start();
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Processes starting together: one creates the tables, the others wait and find them.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`driftbot ${schema} tables`]);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${schema}.driftbot_workers (id text PRIMARY KEY, seen_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE IF NOT EXISTS ${schema}.driftbot_running (job_id uuid PRIMARY KEY, queue text NOT NULL, worker_id text NOT NULL);
        CREATE TABLE IF NOT EXISTS ${schema}.driftbot_check_runs (
          job_id uuid PRIMARY KEY, queue text NOT NULL, installation_id bigint NOT NULL, owner text NOT NULL, repo text NOT NULL, check_run_id bigint NOT NULL, head_sha text NOT NULL
        );
        CREATE TABLE IF NOT EXISTS ${schema}.driftbot_posted (lane text PRIMARY KEY, head_sha text NOT NULL, posted_at timestamptz NOT NULL DEFAULT now());`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
    return new DurableQueue(boss, pool, schema, {
      retryLimit: options.retryLimit ?? 2,
      retryDelaySeconds: options.retryDelaySeconds ?? 10,
      // The analysis' own deadline is 30 minutes.
      expireInSeconds: options.expireInSeconds ?? 40 * 60,
    });
  }

  /**
   * Queues the subject, unless the same work is already queued; supersedes the lane's other jobs.
   *
   * Deliveries arriving while a transaction runs wait for the next one and share it: a
   * burst of webhooks costs a few commits (each a WAL flush) and a few round trips, not
   * five round trips and a flush apiece (bench/serve.ts measures it). Within a batch,
   * the subjects are decided in arrival order, exactly as one transaction each would.
   */
  enqueue(subject: Subject, delivery: Delivery): Promise<Enqueued> {
    return new Promise((resolve, reject) => {
      let queue: string;
      try {
        queue = queueOf(subject);
      } catch (error) {
        reject(error);
        return;
      }
      this.pending.push({ queue, subject, key: jobKey(subject), lane: laneOf(subject), delivery, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0);
      try {
        await Promise.all([...new Set(batch.map((item) => item.queue))].map((queue) => this.ensureQueue(queue)));
        const results = await this.enqueueBatch(batch);
        for (const [i, item] of batch.entries()) item.resolve(results[i]!);
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    this.flushing = null;
  }

  private async enqueueBatch(batch: PendingEnqueue[]): Promise<Enqueued[]> {
    // A deadlock with another process creating a queue at the same moment: Postgres undid ours, so it is safe to try again.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.transaction((client) => this.enqueueBatchOnce(client, batch));
      } catch (error) {
        if ((error as { code?: string }).code !== '40P01' || attempt >= 3) throw error;
      }
    }
  }

  private async enqueueBatchOnce(client: pg.PoolClient, batch: PendingEnqueue[]): Promise<Enqueued[]> {
    const lanes = [...new Set(batch.map((item) => item.lane))];
    // Every lane's lock, in one order for every process (by the lock's key), so that two batches cannot wait on each other.
    await client.query('SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtext(name) AS k FROM unnest($1::text[]) AS name ORDER BY k) AS locks', [
      lanes.map((lane) => `driftbot lane ${lane}`),
    ]);
    // The lane is the key up to its first space (`jobKey`).
    const { rows } = await client.query<LiveJob>(
      `SELECT id, name AS queue, singleton_key AS key, state FROM ${this.schema}.job WHERE name = ANY($1) AND state <= 'active' AND split_part(singleton_key, ' ', 1) = ANY($2)`,
      [[...new Set(batch.map((item) => item.queue))], lanes],
    );
    const live = new Map<string, LiveJob[]>();
    for (const row of rows) live.set(row.key.split(' ')[0]!, [...(live.get(row.key.split(' ')[0]!) ?? []), row]);
    const inserts: object[] = [];
    const cancels = new Map<string, string[]>();
    const results = batch.map(({ queue, subject, key, lane, delivery }): Enqueued => {
      const jobs = live.get(lane) ?? [];
      // A push without a head sha resolves the head when it starts: one still waiting covers this one, a running one does not.
      if (jobs.some((job) => job.key === key && (job.state !== 'active' || subject.headSha !== null))) return { jobId: null, superseded: 0 };
      for (const job of jobs) cancels.set(job.queue, [...(cancels.get(job.queue) ?? []), job.id]);
      const data: JobData = { subject, deliveryId: delivery.id, receivedAt: delivery.receivedAt, supersededOthers: jobs.length > 0 };
      const id = randomUUID();
      inserts.push({
        id,
        name: queue,
        data,
        singletonKey: key,
        retryLimit: this.options.retryLimit,
        retryDelay: this.options.retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: this.options.expireInSeconds,
      });
      live.set(lane, [{ id, queue, key, state: 'created' }]);
      return { jobId: id, superseded: jobs.length };
    });
    const db = asBossDb(client);
    if (inserts.length) await this.boss.insert(inserts as PgBoss.JobInsert[], { db });
    // After the inserts: a job queued earlier in this batch and superseded later in it ends cancelled, as it would one by one.
    for (const [queue, ids] of cancels) await this.boss.cancel(queue, ids, { db });
    return results;
  }

  /** The head last posted per lane, for every worker. */
  readonly posted: PostedHeads = {
    last: async (lane) => {
      const { rows } = await this.pool.query<{ head_sha: string }>(`SELECT head_sha FROM ${this.schema}.driftbot_posted WHERE lane = $1`, [lane]);
      return rows[0]?.head_sha ?? null;
    },
    record: async (lane, headSha) => {
      await this.pool.query(`INSERT INTO ${this.schema}.driftbot_posted (lane, head_sha) VALUES ($1, $2) ON CONFLICT (lane) DO UPDATE SET head_sha = $2, posted_at = now()`, [
        lane,
        headSha,
      ]);
    },
  };

  /** Jobs per state, over every installation's queue (for /metrics). */
  async depth(): Promise<Record<JobState, number>> {
    const { rows } = await this.pool.query<{ state: JobState; count: string }>(
      `SELECT state, count(*) AS count FROM ${this.schema}.job WHERE starts_with(name, $1) GROUP BY state`,
      [QUEUE_PREFIX],
    );
    const depth = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
    for (const row of rows) depth[row.state] = Number(row.count);
    return depth;
  }

  /** Resolves once no job waits or runs (polling; for tests and scripts). */
  async idle(pollMs = 100): Promise<void> {
    for (;;) {
      const depth = await this.depth();
      if (depth.created + depth.retry + depth.active === 0) return;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true, close: true }).catch(() => {});
    await this.pool.end().catch(() => {});
  }

  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * The installation's queue, created on its first job: once per process, one creation
   * at a time (pg-boss's creations of two queues at once deadlock each other), and
   * retried after a short random pause when another process creates one at the same moment.
   */
  private ensureQueue(name: string): Promise<string> {
    let known = this.knownQueues.get(name);
    if (!known) {
      known = this.creating.then(async () => {
        for (let attempt = 0; ; attempt++) {
          if (await this.boss.getQueue(name)) return name;
          try {
            await this.boss.createQueue(name);
            return name;
          } catch (error) {
            if (attempt >= 5) throw error;
            await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 100));
          }
        }
      });
      this.creating = known.catch(() => {});
      known.catch(() => this.knownQueues.delete(name));
      this.knownQueues.set(name, known);
    }
    return known;
  }
}
