/** Without DRIFTBOT_QUEUE_URL the queue lives in an embedded Postgres whose data stays: a restart loses no job. */
import { describe, expect, it } from 'vitest';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openQueueDatabase } from '../../src/queue/queue-database.js';
import { DurableQueue } from '../../src/queue/durable-queue.js';
import { subjectOfPush } from '../../src/github/subject.js';

describe('the queue database', () => {
  it('embedded in DRIFTBOT_DATA_DIR: a job queued before a restart is still there after it', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'driftbot-test-queue-data-'));
    // As root, the embedded Postgres runs as `postgres`, which must reach its data folder in here.
    await chmod(folder, 0o755);
    const env = { DRIFTBOT_DATA_DIR: join(folder, 'data') };
    try {
      const subject = subjectOfPush({ repository: { name: 'r', owner: { login: 'o' } }, installation: { id: 1 }, pull_request: { number: 1, head: { sha: 'a'.repeat(40) } } });
      let database = await openQueueDatabase(env, folder);
      let queue = await DurableQueue.open(database.url);
      const { jobId } = await queue.enqueue(subject, { id: 'delivery-1', receivedAt: 1 });
      await queue.close();
      await database.stop();

      database = await openQueueDatabase(env, folder);
      queue = await DurableQueue.open(database.url);
      try {
        const job = await queue.boss.getJobById<{ subject: unknown; deliveryId: string }>('driftbot-check-1', jobId!);
        expect(job).toMatchObject({ state: 'created', data: { subject, deliveryId: 'delivery-1' } });
        expect(await queue.depth()).toMatchObject({ created: 1 });
      } finally {
        await queue.close();
        await database.stop();
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('a DRIFTBOT_QUEUE_URL that is no postgres:// URL is refused, naming the setting', async () => {
    await expect(openQueueDatabase({ DRIFTBOT_QUEUE_URL: 'mysql://x' }, '/nonexistent')).rejects.toThrow('DRIFTBOT_QUEUE_URL must be a postgres:// URL, not mysql://');
    await expect(openQueueDatabase({ DRIFTBOT_QUEUE_URL: 'not a url' }, '/nonexistent')).rejects.toThrow('DRIFTBOT_QUEUE_URL is not a valid URL');
  });
});
