/**
 * The embedded server's kept data folders: a cache (the CLI's templates) gives way to a
 * temporary server when another driftbot holds it; a store (the job queue) never does,
 * and says which folder and setting are at fault.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withClient } from '../../src/postgres/client.js';
import { openServer, type PostgresServer } from '../../src/postgres/server.js';

const started: PostgresServer[] = [];
const folders: string[] = [];

async function folder(): Promise<string> {
  // Not under /root: as root, the server runs as `postgres`, which must reach the folder.
  const made = await mkdtemp(join(tmpdir(), 'driftbot-server-test-'));
  await chmod(made, 0o755);
  folders.push(made);
  return made;
}

async function open(...args: Parameters<typeof openServer>): Promise<PostgresServer> {
  const server = await openServer(...args);
  started.push(server);
  return server;
}

afterEach(async () => {
  for (const server of started.splice(0)) await server.stop();
  for (const made of folders.splice(0)) await rm(made, { recursive: true, force: true });
});

describe('the embedded server', () => {
  it('a cache another driftbot holds: this run gets a temporary server instead, and says so', async () => {
    const cache = await folder();
    const first = await open({ data: { folder: cache, as: 'cache' } });
    const said: string[] = [];
    const second = await open({ data: { folder: cache, as: 'cache' }, log: (line) => said.push(line) });
    expect(second.adminUrl).not.toBe(first.adminUrl);
    expect(second.socketDir?.startsWith(cache)).toBe(false);
    expect(said.join('\n')).toContain('is in use by another driftbot');
    for (const server of [first, second]) await withClient(server.adminUrl, (client) => client.query('SELECT 1'));
  });

  it('a store another driftbot holds: an error naming the folder and DRIFTBOT_DATA_DIR, never a silent replacement', async () => {
    const store = join(await folder(), 'queue-postgres');
    const first = await open({ data: { folder: store, as: 'store' } });
    expect(first.label).toBe(`embedded (${store})`);
    await expect(open({ data: { folder: store, as: 'store' } })).rejects.toThrow(
      `${store} (DRIFTBOT_DATA_DIR) is in use by another driftbot's Postgres server: give this one its own DRIFTBOT_DATA_DIR`,
    );
  });

  it('a store whose password file is gone: says which file, and keeps the data', async () => {
    const store = join(await folder(), 'queue-postgres');
    await (await open({ data: { folder: store, as: 'store' } })).stop();
    await writeFile(join(store, 'password'), '');
    await expect(open({ data: { folder: store, as: 'store' } })).rejects.toThrow(`${join(store, 'password')} is missing or empty`);
    expect(existsSync(join(store, 'data', 'PG_VERSION'))).toBe(true);
  });
});
