/**
 * driftbot's cache folder on this machine: DRIFTBOT_CACHE_DIR, else `$XDG_CACHE_HOME/driftbot`,
 * else `~/.cache/driftbot`. As root, the embedded Postgres runs as the `postgres` user,
 * who cannot enter root's home: then the folder is `driftbot-cache` in the temporary folder.
 */
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export function driftbotCacheFolder(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DRIFTBOT_CACHE_DIR) return env.DRIFTBOT_CACHE_DIR;
  if (process.getuid?.() === 0) return join(tmpdir(), 'driftbot-cache');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'driftbot');
}
