/**
 * The durable queue for tests: pg-boss and driftbot's tables in a schema of their own on
 * the suite's Postgres, a worker in this process running the real job with the App's
 * client from a Probot instance (GitHub's API faked with nock), and everything dropped
 * at close.
 */
import { inject } from 'vitest';
import type { Probot } from 'probot';
import { randomBytes } from 'node:crypto';
import { withClient } from '../../src/postgres/client.js';
import type { Engine } from '../../src/github/check-subject.js';
import type { GitHubClient } from '../../src/github/client.js';
import { DurableQueue, type QueueOptions } from '../../src/queue/durable-queue.js';
import { queuedJobRunner, type Log } from '../../src/queue/run-queued-job.js';
import { QueueWorker, type WorkerOptions } from '../../src/queue/worker.js';

export interface TestQueue {
  queue: DurableQueue;
  worker: QueueWorker;
  /** Another worker on the same queue (started). */
  newWorker(): Promise<QueueWorker>;
  /** Lines the worker logged at level error: a test expects none unless it provokes them. */
  errors: string[];
  close(): Promise<void>;
}

export async function startTestQueue(
  probot: Probot,
  engine: Omit<Engine, 'ledger' | 'posted'>,
  options: QueueOptions & Partial<Pick<WorkerOptions, 'slots' | 'perInstallation' | 'deadAfterMs'>> = {},
): Promise<TestQueue> {
  const schema = options.schema ?? `driftbot_test_${randomBytes(4).toString('hex')}`;
  const queue = await DurableQueue.open(inject('postgresUrl'), { retryDelaySeconds: 1, ...options, schema });
  const errors: string[] = [];
  const log: Log = (level, message) => {
    if (level === 'error') errors.push(message);
  };
  const workers: QueueWorker[] = [];
  const newWorker = async () => {
    const worker = new QueueWorker(queue, {
      slots: options.slots ?? 2,
      perInstallation: options.perInstallation ?? 2,
      pollMs: 50,
      heartbeatMs: 250,
      deadAfterMs: options.deadAfterMs ?? 2000,
      log,
      ...queuedJobRunner({
        engine,
        posted: queue.posted,
        enqueue: (subject, delivery) => queue.enqueue(subject, delivery),
        clientFor: async (id) => (await probot.auth(id)) as unknown as GitHubClient,
        metrics: null,
        log,
      }),
    });
    await worker.start();
    workers.push(worker);
    return worker;
  };
  return {
    queue,
    worker: await newWorker(),
    newWorker,
    errors,
    close: async () => {
      for (const worker of workers) await worker.stop(0);
      await queue.close();
      await withClient(inject('postgresUrl'), (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    },
  };
}
