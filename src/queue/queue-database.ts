/**
 * Where the job queue lives: the operator's Postgres (`DRIFTBOT_QUEUE_URL`, shared by
 * `serve` and any number of `worker`s), or, for one process alone, an embedded Postgres
 * whose data stays in `DRIFTBOT_DATA_DIR` (default `<cache dir>/data`), so that a
 * restart loses no queued job.
 */
import { join } from 'node:path';
import { openServer } from '../postgres/server.js';

export interface QueueDatabase {
  /** Holds credentials: never print it. */
  url: string;
  /** Safe to show. */
  label: string;
  stop(): Promise<void>;
}

export async function openQueueDatabase(env: NodeJS.ProcessEnv, cacheDir: string, log: (message: string) => void = () => {}): Promise<QueueDatabase> {
  const url = env.DRIFTBOT_QUEUE_URL;
  if (url) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error('DRIFTBOT_QUEUE_URL is not a valid URL (expected postgres://user:password@host:port/database)');
    }
    if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new Error(`DRIFTBOT_QUEUE_URL must be a postgres:// URL, not ${parsed.protocol}//`);
    return { url, label: `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`, stop: async () => {} };
  }
  const folder = join(env.DRIFTBOT_DATA_DIR ?? join(cacheDir, 'data'), 'queue-postgres');
  const server = await openServer({ data: { folder, as: 'store' }, log });
  return { url: server.adminUrl, label: server.label, stop: () => server.stop() };
}
