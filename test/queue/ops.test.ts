/** /healthz, /readyz and /metrics over a real queue database. */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { withClient } from '../../src/postgres/client.js';
import { subjectOfPush } from '../../src/github/subject.js';
import { DurableQueue } from '../../src/queue/durable-queue.js';
import { Metrics } from '../../src/queue/metrics.js';
import { startOpsServer } from '../../src/queue/ops.js';
import type { Report } from '../../src/report/report.js';
import { DeadlineExceeded } from '../../src/errors.js';

let queue: DurableQueue;
let server: Server;
let accepting = true;
let metrics: Metrics;
let base: string;

beforeAll(async () => {
  queue = await DurableQueue.open(inject('postgresUrl'), { schema: `driftbot_test_${randomBytes(4).toString('hex')}` });
  metrics = new Metrics(queue);
  server = await startOpsServer({ queue, metrics, accepting: () => accepting }, 0, '127.0.0.1');
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await queue.close();
  await withClient(inject('postgresUrl'), (client) => client.query(`DROP SCHEMA IF EXISTS ${queue.schema} CASCADE`));
});

const get = async (path: string) => {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, body: await response.text() };
};

describe('operations endpoints', () => {
  it('/healthz answers while the process runs; /readyz only while it takes work', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok\n' });
    expect(await get('/readyz')).toEqual({ status: 200, body: 'ready\n' });
    accepting = false;
    expect(await get('/readyz')).toEqual({ status: 503, body: 'shutting down\n' });
    accepting = true;
    expect((await get('/nowhere')).status).toBe(404);
  });

  it('/metrics: queue depth per state from the database, analysis phases, outcomes, failures by cause, cache hits', async () => {
    const push = (number: number) =>
      subjectOfPush({ repository: { name: 'r', owner: { login: 'o' } }, installation: { id: 3 }, pull_request: { number, head: { sha: 'a'.repeat(40) } } });
    await queue.enqueue(push(1), { id: 'd1', receivedAt: Date.now() });
    await queue.enqueue(push(2), { id: 'd2', receivedAt: Date.now() });
    metrics.analysed({
      status: 'error',
      errors: [{ message: new DeadlineExceeded(30 * 60_000).message, path: null, revision: null }],
      timings: { totalMs: 4200, phases: [{ name: 'build', ms: 3000 }] },
      environment: { cache: { hits: 2, misses: 1 } },
    } as Report);
    metrics.jobEnded('completed');
    metrics.failure('worker-lost');
    metrics.postedAfter(12_000);
    const { status, body } = await get('/metrics');
    expect(status).toBe(200);
    expect(body).toContain('driftbot_queue_jobs{state="created"} 2');
    expect(body).toContain('driftbot_queue_jobs{state="active"} 0');
    expect(body).toContain('driftbot_analysis_phase_seconds_count{phase="build"} 1');
    expect(body).toContain('driftbot_analysis_phase_seconds_sum{phase="total"} 4.2');
    expect(body).toContain('driftbot_jobs_total{outcome="completed"} 1');
    expect(body).toContain('driftbot_failures_total{cause="deadline"} 1');
    expect(body).toContain('driftbot_failures_total{cause="worker-lost"} 1');
    expect(body).toContain('driftbot_delivery_to_posted_seconds_count 1');
    expect(body).toContain('driftbot_cache_lookups_total{result="hit"} 2');
    expect(body).toContain('driftbot_cache_lookups_total{result="miss"} 1');
  });
});
