/**
 * Takes jobs from the durable queue and runs them, any number of workers on any number
 * of machines against one queue database.
 *
 * Fairness and the per-installation cap: each installation has its own pg-boss queue,
 * and a worker with a free slot serves first the installation with the fewest analyses
 * running, then the one served least recently (round robin), taking a job only while that installation
 * runs fewer than `perInstallation` across all workers — counted and taken under an
 * advisory lock per installation, so two workers cannot both take the last place.
 * pg-boss 10 has no group concurrency, and its `singleton` policy caps at one per key;
 * this small layer in front of `fetch()` is all that is ours.
 *
 * Cancellation: a newer push cancels a running job in the database (`durable-queue.ts`);
 * every second a worker looks at its running jobs' states and aborts those no longer
 * active — the AbortSignal reaches the analysis, which stops its runner and builds.
 *
 * Dead workers: each worker writes a heartbeat; a worker silent for `deadAfterMs` is
 * dead, and any worker fails its jobs, which pg-boss retries with backoff until the
 * attempts run out. The retry carries on with the job's check run; a job that will not
 * run again has its check run completed (interrupted, or superseded when cancelled).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { HandedBack, type CheckRunLedger, type OpenCheckRun } from '../github/check-run-ledger.js';
import { QUEUE_PREFIX, type DurableQueue, type JobData } from './durable-queue.js';

/** Why a running job was stopped when newer work for its pull request cancelled it. */
export class Superseded extends Error {
  constructor() {
    super('superseded by newer work');
  }
}

function stopReason(signal: AbortSignal): 'superseded' | 'handed-back' | null {
  if (!signal.aborted) return null;
  return signal.reason instanceof HandedBack ? 'handed-back' : 'superseded';
}

export interface QueuedJob {
  id: string;
  queue: string;
  data: JobData;
  /** 0 for the first attempt. */
  retryCount: number;
}

export interface WorkerOptions {
  /** Jobs this worker runs at once. */
  slots: number;
  /** Analyses one installation may have running at once, across all workers. */
  perInstallation: number;
  run(job: QueuedJob, signal: AbortSignal, ledger: CheckRunLedger): Promise<void>;
  /** Completes the check run of a job that will not run again. */
  finishCheckRun(run: OpenCheckRun, why: 'interrupted' | 'superseded'): Promise<void>;
  log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
  /** Called when a job ends: for metrics. */
  onJobEnd?(job: QueuedJob, outcome: 'completed' | 'failed' | 'superseded' | 'handed-back', ms: number): void;
  id?: string;
  heartbeatMs?: number;
  deadAfterMs?: number;
  pollMs?: number;
}

interface Running {
  job: QueuedJob;
  controller: AbortController;
  done: Promise<void>;
}

export class QueueWorker {
  readonly id: string;
  private readonly running = new Map<string, Running>();
  private readonly timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private ticking = false;
  private readonly heartbeatMs: number;
  private readonly deadAfterMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly queue: DurableQueue,
    private readonly options: WorkerOptions,
  ) {
    this.id = options.id ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.heartbeatMs = options.heartbeatMs ?? 2000;
    this.deadAfterMs = options.deadAfterMs ?? 20_000;
    this.pollMs = options.pollMs ?? 500;
  }

  get busy(): number {
    return this.running.size;
  }

  async start(): Promise<void> {
    await this.heartbeat();
    const every = (ms: number, work: () => Promise<void>) => {
      const timer = setInterval(() => void work().catch((error: Error) => this.options.log('warn', `worker: ${error.message}`)), ms);
      this.timers.push(timer);
    };
    every(this.heartbeatMs, () => this.heartbeat());
    every(this.pollMs, () => this.tick());
    every(1000, () => this.watch());
    every(Math.max(this.heartbeatMs, 1000) * 2, () => this.reap());
    void this.tick();
  }

  /**
   * Graceful stop: takes nothing more, lets running jobs finish for up to `deadlineMs`,
   * then hands the rest back to the queue (another worker retries them, on the same check run).
   */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    const late = await Promise.race([all().then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), deadlineMs).unref())]);
    if (late) {
      for (const running of this.running.values()) running.controller.abort(new HandedBack());
      await all();
    }
    await this.queue.pool.query(`DELETE FROM ${this.queue.schema}.driftbot_workers WHERE id = $1`, [this.id]).catch(() => {});
  }

  private async heartbeat(): Promise<void> {
    await this.queue.pool.query(`INSERT INTO ${this.queue.schema}.driftbot_workers (id, seen_at) VALUES ($1, now()) ON CONFLICT (id) DO UPDATE SET seen_at = now()`, [this.id]);
  }

  /** Fills free slots, the least-served installation first. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopping) return;
    this.ticking = true;
    try {
      while (!this.stopping && this.running.size < this.options.slots) {
        // Installations with work that may start now: the fewest running first, then the one served least recently.
        const { rows: candidates } = await this.queue.pool.query<{ name: string }>(
          `SELECT name FROM ${this.queue.schema}.job
           WHERE starts_with(name, $1)
           GROUP BY name
           HAVING count(*) FILTER (WHERE state < 'active' AND start_after < now()) > 0
           ORDER BY count(*) FILTER (WHERE state = 'active'), max(started_on) NULLS FIRST, min(created_on) FILTER (WHERE state < 'active')`,
          [QUEUE_PREFIX],
        );
        let taken = false;
        for (const { name } of candidates) {
          const job = await this.take(name);
          if (job) {
            this.begin(job);
            taken = true;
            break;
          }
        }
        if (!taken) return;
      }
    } finally {
      this.ticking = false;
    }
  }

  /** One job of the installation's queue, if it runs fewer than its cap and no other worker is deciding for it right now. */
  private async take(queue: string): Promise<QueuedJob | null> {
    return this.queue.transaction(async (client) => {
      const { rows: locked } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [`driftbot installation ${queue}`]);
      if (!locked[0]?.ok) return null;
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.queue.schema}.job WHERE name = $1 AND state = 'active'`, [queue]);
      if (Number(rows[0]?.n ?? 0) >= this.options.perInstallation) return null;
      const db: PgBoss.Db = { executeSql: (text, values) => client.query(text, values) };
      const [job] = await this.queue.boss.fetch<JobData>(queue, { batchSize: 1, includeMetadata: true, db });
      if (!job) return null;
      await client.query(`INSERT INTO ${this.queue.schema}.driftbot_running (job_id, queue, worker_id) VALUES ($1, $2, $3) ON CONFLICT (job_id) DO UPDATE SET worker_id = $3`, [
        job.id,
        queue,
        this.id,
      ]);
      return { id: job.id, queue, data: job.data, retryCount: job.retryCount };
    });
  }

  private begin(job: QueuedJob): void {
    const controller = new AbortController();
    const started = Date.now();
    const fields = { jobId: job.id, deliveryId: job.data.deliveryId, attempt: job.retryCount + 1 };
    const done = (async () => {
      let outcome: 'completed' | 'failed' | 'superseded' | 'handed-back' = 'completed';
      try {
        await this.options.run(job, controller.signal, this.ledger(job));
        if (controller.signal.aborted) throw controller.signal.reason;
        await this.queue.boss.complete(job.queue, job.id);
      } catch (error) {
        const stopped = stopReason(controller.signal);
        outcome = stopped ?? 'failed';
        // A superseded job is already cancelled; anything else goes back to pg-boss, which retries it while attempts remain.
        if (stopped !== 'superseded') {
          await this.queue.boss.fail(job.queue, job.id, { message: (error as Error).message ?? String(error) }).catch(() => {});
        }
        if (!stopped) this.options.log('error', `job failed: ${(error as Error).stack ?? error}`, fields);
      } finally {
        this.running.delete(job.id);
        await this.queue.pool.query(`DELETE FROM ${this.queue.schema}.driftbot_running WHERE job_id = $1 AND worker_id = $2`, [job.id, this.id]).catch(() => {});
        this.options.onJobEnd?.(job, outcome, Date.now() - started);
        this.options.log('info', `job ${outcome} in ${((Date.now() - started) / 1000).toFixed(1)} s`, fields);
        void this.tick();
      }
    })();
    this.running.set(job.id, { job, controller, done });
  }

  /** Aborts running jobs the queue no longer holds as active: cancelled by newer work, or failed over while this worker seemed dead. */
  async watch(): Promise<void> {
    if (!this.running.size) return;
    const ids = [...this.running.keys()];
    const { rows } = await this.queue.pool.query<{ id: string; state: string }>(`SELECT id, state FROM ${this.queue.schema}.job WHERE id = ANY($1::uuid[])`, [ids]);
    const states = new Map(rows.map((row) => [row.id, row.state]));
    for (const id of ids) {
      const state = states.get(id);
      if (state === 'active') continue;
      this.running.get(id)?.controller.abort(state === 'cancelled' || state === undefined ? new Superseded() : new HandedBack());
    }
  }

  /** Fails the jobs of workers that stopped answering, and completes the check runs of jobs that will not run again. */
  async reap(): Promise<void> {
    const s = this.queue.schema;
    const orphans = await this.queue.transaction(async (client) => {
      await client.query(`DELETE FROM ${s}.driftbot_workers WHERE seen_at < now() - make_interval(secs => $1)`, [this.deadAfterMs / 1000]);
      const { rows } = await client.query<{ job_id: string; queue: string }>(
        `DELETE FROM ${s}.driftbot_running r WHERE NOT EXISTS (SELECT 1 FROM ${s}.driftbot_workers w WHERE w.id = r.worker_id) RETURNING job_id, queue`,
      );
      return rows;
    });
    for (const orphan of orphans) {
      this.options.log('warn', 'its worker stopped answering: the job goes back to the queue', { jobId: orphan.job_id });
      await this.queue.boss.fail(orphan.queue, orphan.job_id, { message: 'its worker stopped answering' });
    }
    const finished = await this.queue.transaction(async (client) => {
      const { rows } = await client.query<{ job_id: string; installation_id: string; owner: string; repo: string; check_run_id: string; head_sha: string; state: string | null }>(
        `DELETE FROM ${s}.driftbot_check_runs c
         WHERE NOT EXISTS (SELECT 1 FROM ${s}.driftbot_running r WHERE r.job_id = c.job_id)
           AND NOT EXISTS (SELECT 1 FROM ${s}.job j WHERE j.id = c.job_id AND j.state <= 'active')
         RETURNING c.*, (SELECT state::text FROM ${s}.job j WHERE j.id = c.job_id) AS state`,
      );
      return rows;
    });
    for (const row of finished) {
      const run: OpenCheckRun = { installationId: Number(row.installation_id), owner: row.owner, repo: row.repo, checkRunId: Number(row.check_run_id), headSha: row.head_sha };
      await this.options
        .finishCheckRun(run, row.state === 'cancelled' ? 'superseded' : 'interrupted')
        .catch((error: Error) => this.options.log('warn', `could not complete check run ${run.checkRunId}: ${error.message}`, { jobId: row.job_id }));
    }
  }

  /** The job's check-run notes, in the queue database: its next attempt finds them. */
  private ledger(job: QueuedJob): CheckRunLedger {
    const { pool, schema } = this.queue;
    return {
      earlier: async () => {
        const { rows } = await pool.query<{ installation_id: string; owner: string; repo: string; check_run_id: string; head_sha: string }>(
          `SELECT * FROM ${schema}.driftbot_check_runs WHERE job_id = $1`,
          [job.id],
        );
        const row = rows[0];
        return row ? { installationId: Number(row.installation_id), owner: row.owner, repo: row.repo, checkRunId: Number(row.check_run_id), headSha: row.head_sha } : null;
      },
      add: async (run) => {
        await pool.query(
          `INSERT INTO ${schema}.driftbot_check_runs (job_id, queue, installation_id, owner, repo, check_run_id, head_sha) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (job_id) DO UPDATE SET check_run_id = $6, head_sha = $7`,
          [job.id, job.queue, run.installationId, run.owner, run.repo, run.checkRunId, run.headSha],
        );
      },
      remove: async (checkRunId) => {
        await pool.query(`DELETE FROM ${schema}.driftbot_check_runs WHERE job_id = $1 AND check_run_id = $2`, [job.id, checkRunId]);
      },
    };
  }
}
