/**
 * `driftbot serve`: the GitHub App. Probot reads its own environment (APP_ID,
 * PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET…); without credentials it starts its
 * setup flow, which registers the app from app.yml in a few clicks.
 *
 * Webhooks are verified, recorded and enqueued in the queue database; a worker in this
 * process takes jobs too (DRIFTBOT_CONCURRENCY at once; 0 leaves them to `driftbot
 * worker` processes). Without DRIFTBOT_QUEUE_URL the queue lives in an embedded
 * Postgres in DRIFTBOT_DATA_DIR, so a restart loses nothing.
 */
import { run } from 'probot';
import { driftbotApp } from './app.js';
import { onShutdown, onShutdownDrain } from './shutdown.js';
import { DurableQueue } from './queue/durable-queue.js';
import { openQueueDatabase } from './queue/queue-database.js';
import { Metrics } from './queue/metrics.js';
import { opsHandler } from './queue/ops.js';
import { jsonLog } from './queue/run-queued-job.js';
import { laneOf } from './github/subject.js';
import { cacheDirOf, queueOptionsOf, shutdownDeadlineMs, startWorker } from './worker.js';

export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.NODE_ENV === 'production' && !env.WEBHOOK_SECRET) {
    // Probot would silently accept the secret "development".
    throw new Error('WEBHOOK_SECRET is not set: refusing to serve webhooks in production without one');
  }
  // Without the App's credentials Probot runs only its setup flow (registering the App): no webhook, no job yet.
  const credentials = !!env.APP_ID && !!(env.PRIVATE_KEY || env.PRIVATE_KEY_PATH);
  if (!credentials) {
    await run(() => {});
    return;
  }
  const database = await openQueueDatabase(env, cacheDirOf(env));
  onShutdown(() => database.stop());
  const queue = await DurableQueue.open(database.url, queueOptionsOf(env));
  onShutdown(() => queue.close());
  const metrics = new Metrics(queue);
  if (env.DRIFTBOT_CONCURRENCY !== '0') await startWorker(env, queue, metrics);
  // Registered last, so it runs first: not ready any more while the worker winds down.
  let accepting = true;
  onShutdownDrain(async () => {
    accepting = false;
  }, shutdownDeadlineMs(env));
  jsonLog('info', `queue in ${database.label}`);
  await run(async (app, { addHandler }) => {
    addHandler(opsHandler({ queue, metrics, accepting: () => accepting }));
    await driftbotApp({
      queue: {
        enqueue: async (subject, delivery) => {
          const { jobId, superseded } = await queue.enqueue(subject, delivery);
          jsonLog('info', jobId ? `queued${superseded ? `, superseding ${superseded}` : ''}` : 'already queued', {
            deliveryId: delivery.id,
            jobId,
            lane: laneOf(subject),
          });
        },
      },
    })(app, { addHandler, cwd: process.cwd() });
  });
}
