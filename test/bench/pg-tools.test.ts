/**
 * Which pg_dump and psql the bench uses (bench/pg-tools.ts), and which server that
 * decides: the machine's own client (Debian's postgresql-client, installed by .ci/run),
 * the embedded server of its major, and a clear refusal naming what to install.
 */
import { describe, expect, it, beforeAll, afterAll, inject } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkGivenServer, embeddedMajorFor, findPgTools, openBenchServer, type PgTools } from '../../bench/pg-tools.js';
import { openServer } from '../../src/postgres/server.js';
import { majorOf } from '../../src/postgres/versions.js';

const client = (major: number, version = `${major}.3`): PgTools => ({
  pgDump: `/usr/lib/postgresql/${major}/bin/pg_dump`,
  psql: `/usr/lib/postgresql/${major}/bin/psql`,
  version,
  major,
});

describe('the embedded server the bench runs on', () => {
  it('is of the client’s own major from 14 to 17, and 17 for a newer client', () => {
    expect(embeddedMajorFor(client(14))).toBe(14);
    expect(embeddedMajorFor(client(15))).toBe(15);
    expect(embeddedMajorFor(client(17))).toBe(17);
    expect(embeddedMajorFor(client(18))).toBe(17);
  });

  it('is refused for a client older than 14, naming the client and what to install', () => {
    expect(() => embeddedMajorFor(client(13, '13.16'))).toThrow(
      /\/usr\/lib\/postgresql\/13\/bin\/pg_dump is PostgreSQL 13\.16.*14 or newer.*install the Debian package postgresql-client \(or set DRIFTBOT_PG_BIN/,
    );
  });
});

describe('a server given by DRIFTBOT_DATABASE_URL', () => {
  const given = { label: 'db.example:5432' };

  it('is accepted when the client is of its major or newer', () => {
    expect(() => checkGivenServer(client(15), { ...given, version: '15.8' })).not.toThrow();
    expect(() => checkGivenServer(client(17), { ...given, version: '14.13 (Debian 14.13-1)' })).not.toThrow();
  });

  it('is refused when newer than the client, naming the server and the package to install', () => {
    expect(() => checkGivenServer(client(15), { ...given, version: '17.2' })).toThrow(
      /PostgreSQL 15\.3, older than the server at db\.example:5432 \(DRIFTBOT_DATABASE_URL, PostgreSQL 17\.2\).*postgresql-client-17 or newer.*DRIFTBOT_PG_BIN/,
    );
  });

  it('is refused when driftbot does not build on its major', () => {
    expect(() => checkGivenServer(client(15), { ...given, version: '13.9' })).toThrow(/PostgreSQL 13\.9, which driftbot does not build on \(14, 15, 16, 17\)/);
  });

  it('is used as it is when the client can dump it, and refused before any run when not', async () => {
    const url = inject('postgresUrl');
    const major = majorOf((await openServer({ databaseUrl: url })).version);
    const server = await openBenchServer(client(major), url);
    expect(server.adminUrl).toBe(url);
    await expect(openBenchServer(client(major - 1), url)).rejects.toThrow(/older than the server .*DRIFTBOT_DATABASE_URL/);
  });
});

describe('pg_dump and psql', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftbot-test-pgtools-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('come from the machine’s PostgreSQL client (Debian’s /usr/lib/postgresql/<major>/bin) when nothing is set', async () => {
    const tools = await findPgTools({ PATH: '' });
    expect(tools.pgDump).toMatch(/^\/usr\/lib\/postgresql\/\d+\/bin\/pg_dump$/);
    expect(tools.psql).toBe(tools.pgDump.replace(/pg_dump$/, 'psql'));
    expect(execFileSync(tools.pgDump, ['--version']).toString()).toContain(`(PostgreSQL) ${tools.version}`);
    expect(tools.pgDump).toContain(`/${tools.major}/bin/`);
  });

  it('come from DRIFTBOT_PG_BIN first', async () => {
    const real = await findPgTools({ PATH: '' });
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await symlink(real.pgDump, join(bin, 'pg_dump'));
    await symlink(real.psql, join(bin, 'psql'));
    expect(await findPgTools({ DRIFTBOT_PG_BIN: bin, PATH: '' })).toEqual({ pgDump: join(bin, 'pg_dump'), psql: join(bin, 'psql'), version: real.version, major: real.major });
  });

  it('are refused when DRIFTBOT_PG_BIN names a folder without them, naming it (not silently passed over)', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expect(findPgTools({ DRIFTBOT_PG_BIN: empty, PATH: '' })).rejects.toThrow(`DRIFTBOT_PG_BIN=${empty} holds no working pg_dump and psql`);
  });
});
