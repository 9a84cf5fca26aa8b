/**
 * The floor: the least it costs to materialize the same schemas without Python. Each
 * schema the naive baseline built (fresh, base, upgraded, per database) is restored
 * from its `pg_dump --schema-only` text with `psql` into a new database, and that
 * database is then copied with `CREATE DATABASE … TEMPLATE`, with each of Postgres's two
 * strategies (WAL_LOG, the default, and FILE_COPY). No analysis can build its
 * databases faster than replaying their DDL; a template copy is what a cache of built
 * databases would cost instead.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { databaseUrl, withClient } from '../src/postgres/client.js';
import type { PostgresServer } from '../src/postgres/server.js';
import { timed } from './measure.js';
import type { SchemaDump } from './naive.js';
import { connectionEnv, type PgTools } from './pg-tools.js';

export interface FloorResult {
  /** Sum over the schemas of `psql` replaying the dump into an empty database. */
  restoreMs: number;
  /** Sum over the schemas of `CREATE DATABASE … TEMPLATE` of the restored database (the default strategy, WAL_LOG). */
  templateMs: number;
  /** The same with `STRATEGY = FILE_COPY` (a checkpoint, then a copy of the files, without WAL). */
  fileCopyMs: number;
  schemas: number;
}

export async function runFloor(server: PostgresServer, tools: PgTools, dumps: SchemaDump[]): Promise<FloorResult> {
  const runId = randomBytes(4).toString('hex');
  const created: string[] = [];
  let restoreMs = 0;
  let templateMs = 0;
  let fileCopyMs = 0;
  try {
    for (const [index, dump] of dumps.entries()) {
      const restored = `driftbot_bench_${runId}_floor${index}`;
      const copy = `${restored}_copy`;
      const fileCopy = `${restored}_file`;
      created.push(restored, copy, fileCopy);
      restoreMs += (
        await timed(async () => {
          await admin(server, `CREATE DATABASE "${restored}" TEMPLATE template0`);
          await psql(tools, databaseUrl(server.adminUrl, restored), dump.sql);
        })
      ).ms;
      templateMs += (await timed(() => admin(server, `CREATE DATABASE "${copy}" TEMPLATE "${restored}"`))).ms;
      fileCopyMs += (await timed(() => admin(server, `CREATE DATABASE "${fileCopy}" TEMPLATE "${restored}" STRATEGY = FILE_COPY`))).ms;
    }
    return { restoreMs, templateMs, fileCopyMs, schemas: dumps.length };
  } finally {
    for (const database of created.reverse()) await admin(server, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => {});
  }
}

/** Feeds SQL to psql on stdin, stopping at the first error (a floor that half-restored would flatter). */
function psql(tools: PgTools, url: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tools.psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1'], { env: { PATH: process.env.PATH ?? '', ...connectionEnv(url) }, stdio: ['pipe', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => {});
    child.on('error', (error) => reject(new Error(`cannot run ${tools.psql}: ${error.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`floor: psql could not restore a schema dump: ${Buffer.concat(err).toString().trim().split('\n').slice(-3).join('\n')}`)),
    );
    child.stdin.end(sql);
  });
}

async function admin(server: PostgresServer, sql: string): Promise<void> {
  await withClient(server.adminUrl, (client) => client.query(sql));
}
