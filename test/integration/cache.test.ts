/**
 * Builds kept across analyses, on a real server. The cache itself: publishing is all
 * or nothing and happens once per key, a copy belongs to the analysis that takes it, no
 * analysis role can reach a template, and the least recently used go first past the
 * bound. On the real pipeline: a warm run copies what the cold one kept and reports
 * exactly the same, and a template is never used when anything that went into it
 * changed — an edited revision, another version table, other settings. One file: the
 * cache's bound is the server's, so these tests must not run side by side.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunnerPool } from '../../src/alembic/runner-pool.js';
import { scanVersions } from '../../src/analysis/scan-cache.js';
import { scannedFileKey } from '../../src/analysis/cache-keys.js';
import { revision, startRunner, tree } from '../alembic/runner-fixtures.js';
import { analyse } from '../../src/analysis/analyse.js';
import type { Report } from '../../src/report/report.js';
import { databaseUrl, withClient } from '../../src/postgres/client.js';
import { CATALOG_DATABASE, clearTemplateCache, TemplateCache } from '../../src/postgres/template-cache.js';
import { ThrowawayDatabases, type ThrowawayDatabase } from '../../src/postgres/throwaway.js';
import { resolveCommit } from '../../src/workspace/git.js';
import { createSeedRepository, HISTORY, SEED_CONFIG } from '../../demo/seed-repo.js';
import type { GitFixture } from '../../demo/git-fixture.js';
import { databasesOfRun, newRepo, testServer } from '../support/analysis.js';

const server = testServer();
const runs: ThrowawayDatabases[] = [];

afterAll(async () => {
  for (const run of runs) await run.dropAll();
  await clearTemplateCache(server);
  const left = await withClient(server.adminUrl, (c) =>
    c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'driftbot\\_cache%' ESCAPE '\\' OR datname = '${CATALOG_DATABASE}'`),
  );
  expect(left.rows).toEqual([]);
});

function newRun(): ThrowawayDatabases {
  const run = new ThrowawayDatabases(server);
  runs.push(run);
  return run;
}

/** A build by its own role, as an analysis makes one: a table that role owns. */
async function built(table: string): Promise<{ builder: ThrowawayDatabases; database: ThrowawayDatabase }> {
  const builder = newRun();
  const database = await builder.create('shared');
  await withClient(database.url, (c) => c.query(`CREATE TABLE ${table} (id int)`));
  return { builder, database };
}

const key = () => randomBytes(32).toString('hex');

describe('template cache', () => {
  it('publishes a build once, and a copy belongs to the analysis that takes it, objects included', async () => {
    const cache = new TemplateCache(server, `/repos/${key()}`);
    const k = key();
    const first = await built('kept');
    const second = await built('kept');
    // Two analyses that built the same key at once: one publishes, the other keeps its own.
    const published = await Promise.all([
      cache.publish(first.database, first.builder, k, 'history', { runs: ['first'] }),
      cache.publish(second.database, second.builder, k, 'history', { runs: ['second'] }),
    ]);
    expect(published.filter(Boolean)).toHaveLength(1);
    const found = await cache.find<{ runs: string[] }>([key(), k]);
    expect(found?.name).toBe(cache.nameOf(k));
    expect(found?.result.runs).toEqual([published[0] ? 'first' : 'second']);
    // The builders' roles go with their runs: nothing of theirs is left in the template.
    await first.builder.dropAll();
    await second.builder.dropAll();

    const run = newRun();
    const copy = await cache.copy(found!, run, 'fresh');
    const owner = await withClient(copy!.url, (c) => c.query<{ tableowner: string }>(`SELECT tableowner FROM pg_tables WHERE tablename = 'kept'`));
    expect(owner.rows[0]?.tableowner).toBe(run.roleName);
    // The analysis may change what it owns.
    await withClient(copy!.url, (c) => c.query(`ALTER TABLE kept ADD COLUMN name text`));
    // …and cannot reach the template itself, nor the catalog.
    const template = new URL(copy!.url);
    for (const name of [found!.name, CATALOG_DATABASE]) {
      template.pathname = `/${name}`;
      await expect(withClient(template.toString(), (c) => c.query('SELECT 1'))).rejects.toThrow(/permission denied/);
    }
  });

  it('finds only its own repository’s templates, and the longest history of those asked', async () => {
    const mine = new TemplateCache(server, `/repos/${key()}`);
    const theirs = new TemplateCache(server, `/repos/${key()}`);
    const [short, long] = [key(), key()];
    for (const k of [short, long]) {
      const b = await built('t');
      expect(await mine.publish(b.database, b.builder, k, 'history', { k })).toBe(true);
    }
    expect(mine.nameOf(short)).not.toBe(theirs.nameOf(short));
    expect((await mine.find([short, long, key()]))?.key).toBe(long);
    expect((await mine.find([short, key()]))?.key).toBe(short);
    expect(await theirs.find([short, long])).toBeNull();
  });

  it('never finds a template whose database is gone, and replaces a half-published one of the same name', async () => {
    const cache = new TemplateCache(server, `/repos/${key()}`);
    const k = key();
    const b = await built('t');
    await cache.publish(b.database, b.builder, k, 'history', {});
    await withClient(server.adminUrl, (c) => c.query(`DROP DATABASE "${cache.nameOf(k)}"`));
    expect(await cache.find([k])).toBeNull();
    // A database of the name with no catalog row: a publisher died between rename and row.
    await withClient(server.adminUrl, (c) => c.query(`CREATE DATABASE "${cache.nameOf(k)}"`));
    expect(await cache.find([k])).toBeNull();
    const again = await built('complete');
    expect(await cache.publish(again.database, again.builder, k, 'history', { complete: true })).toBe(true);
    const found = await cache.find<{ complete: boolean }>([k]);
    expect(found?.result).toEqual({ complete: true });
    const tables = await withClient(databaseUrl(server.adminUrl, found!.name), (c) => c.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`));
    expect(tables.rows).toEqual([{ tablename: 'complete' }]);
  });

  it('evicts the least recently used past the count bound', async () => {
    const cache = new TemplateCache(server, `/repos/${key()}`, { maxTemplates: 2, maxBytes: Number.MAX_SAFE_INTEGER });
    // The bound is the server's: start from an empty cache.
    await clearTemplateCache(server);
    const [a, b, c] = [key(), key(), key()];
    for (const k of [a, b]) {
      const x = await built('t');
      await cache.publish(x.database, x.builder, k, 'history', {});
    }
    // a is used again: b is now the least recently used.
    expect((await cache.find([a]))?.key).toBe(a);
    const x = await built('t');
    await cache.publish(x.database, x.builder, c, 'history', {});
    expect(await cache.find([b])).toBeNull();
    expect((await cache.find([a]))?.key).toBe(a);
    expect((await cache.find([c]))?.key).toBe(c);
  });
});

async function run(repo: GitFixture, base: string, head: string, cache: TemplateCache | null): Promise<{ report: Report; log: string[] }> {
  const log: string[] = [];
  const report = await analyse({
    repo: repo.dir,
    base: { ref: base, sha: await resolveCommit(repo.dir, base) },
    head: { ref: head, sha: await resolveCommit(repo.dir, head) },
    server,
    cache,
    log: (line) => log.push(line),
  });
  expect(await databasesOfRun(server, report.environment.runId)).toEqual([]);
  return { report, log };
}

/** The report less what differs between any two runs: timings, the run's id, how many databases it made. */
function comparable(report: Report): unknown {
  const { timings: _timings, environment, ...rest } = report;
  return { ...rest, environment: { ...environment, runId: null, databasesBuilt: null, cache: null } };
}

/** How many templates of a kind the repository has kept. */
async function kept(repository: string, kind: string): Promise<number> {
  const { rows } = await withClient(databaseUrl(server.adminUrl, CATALOG_DATABASE), (c) =>
    c.query<{ n: number }>(`SELECT count(*)::int AS n FROM templates WHERE repository = $1 AND kind = $2`, [repository, kind]),
  );
  return rows[0]!.n;
}

const applying = (log: string[]) => log.filter((line) => /: applying /.test(line)).sort();

describe('cached builds', () => {
  it('a warm run reports exactly what a cold run and an uncached run do, from copies of what the cold one kept', async () => {
    const repo = (await createSeedRepository((await newRepo('cache-warm')).dir)).repo;
    const cache = new TemplateCache(server, repo.dir);
    const cold = await run(repo, 'main', 'feature', cache);
    const warm = await run(repo, 'main', 'feature', cache);
    const uncached = await run(repo, 'main', 'feature', null);
    expect(cold.report.status).toBe('drift');
    expect(cold.report.errors).toEqual([]);
    expect(comparable(warm.report)).toEqual(comparable(cold.report));
    expect(comparable(uncached.report)).toEqual(comparable(cold.report));
    // What the App's cache metric counts, per analysis.
    expect(cold.report.environment.cache!.misses).toBeGreaterThan(0);
    expect(warm.report.environment.cache!.hits).toBeGreaterThan(cold.report.environment.cache!.hits);
    expect(uncached.report.environment.cache).toBeNull();
    // Cold: nothing kept yet; it keeps the shared history (up to 7), then builds all of base's on it.
    expect(cold.log.join('\n')).not.toMatch(/reused/);
    expect(cold.log).toContain('core: base: building on the kept history up to oss000000007');
    expect(warm.log).toContain('core: base: reused the kept history up to oss000000007');
    expect(warm.log).toContain('core: base: reused the kept history up to oss000000008');
    expect(warm.log).toContain('core: reused the kept models build');
    expect(await kept(repo.dir, 'history')).toBe(2);
    // The same progress, built or copied.
    expect(applying(warm.log)).toEqual(applying(cold.log));
  }, 300_000);

  it('never uses a template when an input changed: an edited revision, another version table, other settings', async () => {
    const repo = (await createSeedRepository((await newRepo('cache-inputs')).dir)).repo;
    const cache = new TemplateCache(server, repo.dir);
    await run(repo, 'main', 'feature', cache);
    const revision3 = Object.keys(HISTORY).find((path) => path.includes('oss000000003'))!;
    const variants: Record<string, Record<string, string>> = {
      // A column more in a revision of the shared history: a wrong copy would not have it.
      'edited-revision': { [revision3]: HISTORY[revision3]!.replace(/(def upgrade\(\)[^\n]*:\n)/, '$1    op.execute("CREATE TABLE cache_probe (id int)")\n') },
      'version-table': { '.github/driftbot.yml': SEED_CONFIG.replace('version_table: alembic_version', 'version_table: alembic_version_core') },
      settings: { '.github/driftbot.yml': SEED_CONFIG.replace('python:\n', 'python:\n  env:\n    APP_CACHE_PROBE: "1"\n') },
    };
    for (const [name, files] of Object.entries(variants)) {
      expect(Object.values(files)[0], name).not.toBe(HISTORY[revision3]);
      await repo.branch(`${name}-base`, 'main');
      await repo.checkout(`${name}-base`);
      await repo.commit(name, files);
      await repo.branch(`${name}-head`);
      await repo.checkout(`${name}-head`);
      await repo.git('cherry-pick', 'feature');
      const before = await kept(repo.dir, 'history');
      const cached = await run(repo, `${name}-base`, `${name}-head`, cache);
      // Nothing kept was found: both histories (the shared part, all of base) were built and kept anew.
      expect(await kept(repo.dir, 'history'), name).toBe(before + 2);
      expect(cached.report.errors, name).toEqual([]);
      const uncached = await run(repo, `${name}-base`, `${name}-head`, null);
      expect(cached.log.join('\n'), name).not.toMatch(/reused the kept history/);
      expect(comparable(cached.report), name).toEqual(comparable(uncached.report));
      // Kept in its turn: the same variant again is warm.
      const again = await run(repo, `${name}-base`, `${name}-head`, cache);
      expect(again.log, name).toContain('core: base: reused the kept history up to oss000000007');
      expect(await kept(repo.dir, 'history'), name).toBe(before + 2);
      expect(comparable(again.report), name).toEqual(comparable(uncached.report));
      await repo.checkout('main');
    }
  }, 600_000);
});

describe('kept scans of versions folders', () => {
  it('finds nothing, and fails nothing, in a catalog being made (its database there, its tables not yet)', async () => {
    await clearTemplateCache(server);
    const cache = new TemplateCache(server, `/repos/${key()}`);
    expect(await cache.find([key()])).toBeNull();
    expect(await cache.findScan(key())).toBeNull();
    await withClient(server.adminUrl, (c) => c.query(`CREATE DATABASE ${CATALOG_DATABASE}`));
    expect(await cache.find([key()])).toBeNull();
    expect(await cache.findScan(key())).toBeNull();
    const k = key();
    await cache.keepScan(k, { kept: true });
    expect(await cache.findScan(k)).toEqual({ kept: true });
    const b = await built('t');
    expect(await cache.publish(b.database, b.builder, k, 'history', {})).toBe(true);
    expect((await cache.find([k]))?.key).toBe(k);
  });

  it('keeps scans made at once on a server with no catalog yet (an analysis scans head and base side by side)', async () => {
    await clearTemplateCache(server);
    const cache = new TemplateCache(server, `/repos/${key()}`);
    const keys = Array.from({ length: 32 }, () => key());
    await Promise.all(keys.map((k, i) => cache.keepScan(k, { i })));
    expect(await Promise.all(keys.map((k) => cache.findScan(k)))).toEqual(keys.map((_, i) => ({ i })));
  });

  const versions = 'db/versions';
  const files = {
    [`${versions}/a1_first.py`]: revision('a1', null, 'first', 'op.execute("SELECT 1")'),
    [`${versions}/b2_second.py`]: revision('b2', 'a1', 'second', 'op.execute("SELECT 1")'),
  };
  const cacheOf = (repository: string) => ({ templates: new TemplateCache(server, repository), common: { repository, postgresVersion: 'test' } });
  const treeOf = async (root: string, environmentKey: string) => {
    const runner = await startRunner();
    return { dir: root, runners: new RunnerPool({ python: inject('pythonExecutable'), env: {}, cwd: root, timeoutMs: 60_000 }, 1, runner), environmentKey, runner };
  };

  // A scan, once kept (when it was new).
  const scanOf = async (...args: Parameters<typeof scanVersions>) => {
    const { scan, kept } = await scanVersions(...args);
    await kept;
    return scan;
  };

  it('reuses a scan only while every file of the folder and the environment are the same', async () => {
    const cache = cacheOf(`/repos/${key()}`);
    const root = await tree(files);
    const live = await treeOf(root, 'environment-a');
    const scanned = await scanOf(cache, live, versions);
    expect(scanned.order).toEqual(['a1', 'b2']);
    await live.runners.close();

    // Its runner is gone: only a kept scan can answer now, and only for the same inputs.
    const dead = live;
    expect(await scanOf(cache, dead, versions)).toEqual(scanned);
    // The same folder elsewhere (another run's checkout) is the same input.
    const elsewhere = await tree(files);
    expect(await scanOf(cache, { ...dead, dir: elsewhere }, versions)).toEqual(scanned);
    // Another environment (another alembic, another runner), another repository: scanned again.
    await expect(scanOf(cache, { ...dead, environmentKey: 'environment-b' }, versions)).rejects.toThrow(/not running/);
    await expect(scanOf(cacheOf(`/repos/${key()}`), dead, versions)).rejects.toThrow(/not running/);
    // Without a cache, or an environment to key it by: scanned every time.
    await expect(scanOf(null, dead, versions)).rejects.toThrow(/not running/);
    await expect(scanOf(cache, { ...dead, environmentKey: null }, versions)).rejects.toThrow(/not running/);

    // An edited revision, a file added (even one the scan skips), a symlink: scanned again, and what is read is the new folder.
    const variants: Record<string, (dir: string) => Promise<void>> = {
      edited: (dir) => writeFile(join(dir, versions, 'b2_second.py'), revision('b2', 'a1', 'second, edited', 'op.execute("SELECT 2")')),
      added: (dir) => writeFile(join(dir, versions, 'c3_third.py'), revision('c3', 'b2', 'third', 'op.execute("SELECT 1")')),
      'not a revision': (dir) => writeFile(join(dir, versions, 'notes.txt'), 'x'),
      symlink: (dir) => symlink(join(dir, versions, 'b2_second.py'), join(dir, versions, 'c3_link.py')),
    };
    for (const [name, change] of Object.entries(variants)) {
      const changed = await tree(files);
      await change(changed);
      await expect(scanOf(cache, { ...dead, dir: changed }, versions), name).rejects.toThrow(/not running/);
      const fresh = await treeOf(changed, 'environment-a');
      const rescanned = await scanOf(cache, fresh, versions);
      await fresh.runners.close();
      // A file the scan skips changes nothing it says; it was still read again.
      if (name === 'not a revision') expect(rescanned).toEqual(scanned);
      else expect(rescanned, name).not.toEqual(scanned);
      if (name === 'edited') expect(rescanned.revisions.find((r) => r.revision === 'b2')?.message).toBe('second, edited');
      if (name === 'added') expect(rescanned.order).toEqual(['a1', 'b2', 'c3']);
      // Kept in its turn, except what a symlink points at, which the key would not cover.
      if (name === 'symlink') await expect(scanOf(cache, { ...dead, dir: changed }, versions), name).rejects.toThrow(/not running/);
      else expect(await scanOf(cache, { ...dead, dir: changed }, versions), name).toEqual(rescanned);
    }
  }, 120_000);

  it('parses, in a folder that changed, only the files it has not read at their path, in that environment', async () => {
    const repository = `/repos/${key()}`;
    const cache = cacheOf(repository);
    const common = { ...cache.common, environmentKey: 'environment-a' };
    const a1 = files[`${versions}/a1_first.py`]!;
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    // A reading kept for a1's bytes at its path, told apart from what parsing gives by its message.
    const reading = { revision: 'a1', downRevisions: [], dependsOn: [], branchLabels: [], path: `${versions}/a1_first.py`, line: 9, message: 'as kept' };
    await cache.templates.keepScannedFiles([{ key: scannedFileKey(common, reading.path, sha(a1)), result: reading }]);

    const root = await tree(files);
    const live = await treeOf(root, 'environment-a');
    const scanned = await scanOf(cache, live, versions);
    // a1 was not parsed; b2, never read, was; the graph is read whole.
    expect(scanned.revisions.map((r) => r.message)).toEqual(['as kept', 'second']);
    expect(scanned.order).toEqual(['a1', 'b2']);

    // The same bytes at another path, or in another environment: parsed.
    const moved = await tree({ [`${versions}/a1_moved.py`]: a1, [`${versions}/b2_second.py`]: files[`${versions}/b2_second.py`]! });
    expect((await scanOf(cache, { ...live, dir: moved }, versions)).revisions.map((r) => r.message)).toEqual(['first', 'second']);
    expect((await scanOf(cache, { ...live, environmentKey: 'environment-b' }, versions)).revisions.map((r) => r.message)).toEqual(['first', 'second']);

    // A revision added: the two kept readings are used (the runner is gone: parsing c3 alone needs one, so it is restarted).
    await live.runners.close();
    const added = await tree({ ...files, [`${versions}/c3_third.py`]: revision('c3', 'b2', 'third', 'op.execute("SELECT 1")') });
    const again = await treeOf(added, 'environment-a');
    const grown = await scanOf(cache, again, versions);
    await again.runners.close();
    expect(grown.revisions.map((r) => r.message)).toEqual(['as kept', 'second', 'third']);
    expect(grown.order).toEqual(['a1', 'b2', 'c3']);
  }, 120_000);
});

describe('a branch that changes no migration and no code the runner reads', () => {
  const config = `databases:
  - name: main
    chains:
      - versions: db/versions
        version_table: alembic_version
python:
  paths: [app]
`;
  const imports = 'import sqlalchemy as sa\nfrom alembic import op\nfrom names import TABLE\n';
  const files = {
    '.github/driftbot.yml': config,
    'app/names.py': 'TABLE = "things"\n',
    'db/versions/a1_things.py': revision('a1', null, 'things', 'op.create_table(TABLE, sa.Column("id", sa.Integer, primary_key=True))', imports),
    'db/versions/b2_more.py': revision('b2', 'a1', 'more', 'op.add_column(TABLE, sa.Column("name", sa.Text))', imports),
  };
  const upgraded = (report: Report) => report.timings.phases.some((p) => p.name === 'upgrade to head');

  it('is upgraded without running head again; a change to code the revisions import is not', async () => {
    const repo = await newRepo('unchanged-chains');
    await repo.commit('chain', files);
    await repo.branch('docs');
    await repo.commit('docs only', { 'README.md': 'words\n' });
    await repo.branch('code', 'main');
    // Loading head's revisions now fails: only running head's upgrade can say so.
    await repo.commit('code', { 'app/names.py': 'raise RuntimeError("names are broken")\n' });
    for (const cache of [new TemplateCache(server, repo.dir), null]) {
      const docs = await run(repo, 'main', 'docs', cache);
      expect(docs.report.errors).toEqual([]);
      expect(docs.report.status).toBe('clean');
      expect(upgraded(docs.report)).toBe(false);
      // Its progress is said as if it ran.
      expect(docs.log).toContain('main: upgraded: applying db/versions');
      const code = await run(repo, 'main', 'code', cache);
      expect(upgraded(code.report)).toBe(true);
      expect(JSON.stringify([code.report.errors, code.report.upgradeFailure])).toMatch(/names are broken/);
    }
  }, 300_000);

  it('one chain that only gains revisions: upgraded is fresh, built once', async () => {
    const repo = await newRepo('appended-chain');
    await repo.commit('chain', files);
    await repo.branch('append');
    await repo.commit('append', { 'db/versions/c3_rank.py': revision('c3', 'b2', 'rank', 'op.add_column(TABLE, sa.Column("rank", sa.Integer))', imports) });
    for (const cache of [new TemplateCache(server, repo.dir), null]) {
      const { report, log } = await run(repo, 'main', 'append', cache);
      expect(report.errors).toEqual([]);
      expect(report.status).toBe('clean');
      expect(upgraded(report)).toBe(false);
      expect(log).toContain('main: upgraded: applying db/versions');
      expect(report.schemaDiffs).toEqual([{ database: 'main', diff: '' }]);
    }
  }, 300_000);

  it('two chains, revisions added to the last: one build while the code is base’s, two when the first chain’s imports changed', async () => {
    const repo = await newRepo('appended-chains');
    await repo.commit('chains', {
      ...files,
      '.github/driftbot.yml': config.replace('python:', '      - versions: db2/versions\n        version_table: alembic_version_two\npython:'),
      'db2/versions/x1_other.py': revision('x1', null, 'other', 'op.execute("CREATE TABLE other (id int)")'),
    });
    const added = { 'db2/versions/x2_more.py': revision('x2', 'x1', 'more', 'op.execute("ALTER TABLE other ADD COLUMN name text")') };
    await repo.branch('append');
    await repo.commit('append', added);
    await repo.branch('append-broken', 'main');
    // Only head's upgrade loads the first chain in head's tree: fresh goes on from the second.
    await repo.commit('append, and break what the first chain imports', { ...added, 'app/names.py': 'raise RuntimeError("names are broken")\n' });
    for (const cache of [new TemplateCache(server, repo.dir), null]) {
      const append = await run(repo, 'main', 'append', cache);
      expect(append.report.errors).toEqual([]);
      expect(append.report.status).toBe('clean');
      expect(upgraded(append.report)).toBe(false);
      const broken = await run(repo, 'main', 'append-broken', cache);
      expect(upgraded(broken.report)).toBe(true);
      expect(JSON.stringify([broken.report.errors, broken.report.upgradeFailure])).toMatch(/names are broken/);
    }
  }, 300_000);
});

const TWO_CHAINS = `databases:
  - name: main
    chains:
      - versions: db/versions
        version_table: alembic_version
      - versions: db2/versions
        version_table: alembic_version_two
`;

describe('a history of two chains', () => {
  it('is kept at the first chain’s end too: a branch that adds to the first chain reuses it, and reports what an uncached run does', async () => {
    const repo = await newRepo('two-chain-parts');
    const imports = 'import sqlalchemy as sa\nfrom alembic import op\n';
    await repo.commit('chains', {
      '.github/driftbot.yml': TWO_CHAINS,
      'db/versions/a1_things.py': revision('a1', null, 'things', 'op.create_table("things", sa.Column("id", sa.Integer, primary_key=True))', imports),
      'db/versions/b2_more.py': revision('b2', 'a1', 'more', 'op.add_column("things", sa.Column("name", sa.Text))', imports),
      'db2/versions/x1_other.py': revision('x1', null, 'other', 'op.execute("CREATE TABLE other (id int)")'),
    });
    await repo.branch('docs');
    await repo.commit('docs only', { 'README.md': 'words\n' });
    await repo.branch('first', 'main');
    await repo.commit('to the first chain', { 'db/versions/c3_rank.py': revision('c3', 'b2', 'rank', 'op.add_column("things", sa.Column("rank", sa.Integer))', imports) });
    const cache = new TemplateCache(server, repo.dir);
    const docs = await run(repo, 'main', 'docs', cache);
    expect(docs.report.status).toBe('clean');
    const first = await run(repo, 'main', 'first', cache);
    // Nothing of base's was built again: the part up to b2 (the first chain's end) was kept by the docs run.
    expect(first.log).toContain('main: base: reused the kept history up to b2');
    expect(first.report.timings.phases.some((p) => p.name === 'build shared history')).toBe(false);
    const uncached = await run(repo, 'main', 'first', null);
    expect(comparable(first.report)).toEqual(comparable(uncached.report));
  }, 300_000);
});

describe('a migration that leaves a connection open', () => {
  it('does not stop base’s history being kept at a chain’s end, copied, or kept whole', async () => {
    const repo = await newRepo('open-connection');
    // Its own engine, never disposed of: the connection stays open after the runner's request (Agenta's do this).
    const leaky = revision(
      'b2',
      'a1',
      'leaky',
      'global KEPT\nfrom sqlalchemy import create_engine\nKEPT = create_engine(context.config.get_main_option("sqlalchemy.url")).connect()\nop.execute("CREATE TABLE leaky (id int)")',
      'import sqlalchemy as sa\nfrom alembic import context, op\n',
    );
    await repo.commit('chains', {
      '.github/driftbot.yml': TWO_CHAINS,
      'db/versions/a1_things.py': revision('a1', null, 'things', 'op.execute("CREATE TABLE things (id int)")'),
      'db/versions/b2_leaky.py': leaky,
      'db2/versions/x1_other.py': revision('x1', null, 'other', 'op.execute("CREATE TABLE other (id int)")'),
    });
    await repo.branch('first');
    await repo.commit('to the first chain', { 'db/versions/c3_more.py': revision('c3', 'b2', 'more', 'op.execute("ALTER TABLE things ADD COLUMN name text")') });
    const cache = new TemplateCache(server, repo.dir);
    for (const kept of [cache, cache, null]) {
      const { report, log } = await run(repo, 'main', 'first', kept);
      expect(report.errors).toEqual([]);
      expect(report.status).toBe('clean');
      expect(log.join('\n')).not.toMatch(/could not keep/);
    }
  }, 300_000);
});

describe('kept models builds of a repository with two databases', () => {
  const model = (table: string, extra = '') => `import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "${table}"
    id: Mapped[int] = mapped_column(primary_key=True)
${extra}`;
  const config = ['one', 'two']
    .map((name) => `  - name: ${name}\n    chains:\n      - versions: ${name}/versions\n        version_table: alembic_version\n    models:\n      - app/${name}_models.py\n`)
    .join('');
  const files = {
    '.github/driftbot.yml': `databases:\n${config}python:\n  paths: [app]\n`,
    'app/one_models.py': model('ones'),
    'app/two_models.py': model('twos'),
    'one/versions/a1_ones.py': revision('a1', null, 'ones', 'op.create_table("ones", sa.Column("id", sa.Integer, primary_key=True))'),
    'two/versions/x1_twos.py': revision('x1', null, 'twos', 'op.create_table("twos", sa.Column("id", sa.Integer, primary_key=True))'),
  };

  it('a revision added to one database keeps both models builds and needs no second build of either; a model file edited does not', async () => {
    const repo = await newRepo('two-databases');
    await repo.commit('two databases', files);
    await repo.branch('feature');
    await repo.commit('docs', { 'README.md': 'words\n' });
    await repo.branch('push', 'main');
    await repo.commit('a revision in one', { 'one/versions/a2_more.py': revision('a2', 'a1', 'more', 'op.execute("SELECT 1")') });
    await repo.branch('edit', 'push');
    await repo.commit('a model of two edited', { 'app/two_models.py': model('twos', '    name: Mapped[str | None] = mapped_column(sa.Text)\n') });
    const cache = new TemplateCache(server, repo.dir);
    const cold = await run(repo, 'main', 'feature', cache);
    expect(cold.report.errors).toEqual([]);
    expect(cold.report.status).toBe('clean');
    const push = await run(repo, 'main', 'push', cache);
    expect(push.report.errors).toEqual([]);
    expect(push.log).toContain('one: reused the kept models build');
    expect(push.log).toContain('two: reused the kept models build');
    // Neither database is upgraded again: one only gained a revision, two has nothing that changed (one's folder is not its code).
    expect(push.report.timings.phases.map((p) => p.name)).not.toContain('upgrade to head');
    expect(comparable(push.report)).toEqual(comparable((await run(repo, 'main', 'push', null)).report));
    const edit = await run(repo, 'main', 'edit', cache);
    // A file the models could import is an input of every models build, the other database's too.
    expect(edit.log).not.toContain('one: reused the kept models build');
    expect(edit.log).not.toContain('two: reused the kept models build');
    // The edited model is what was built: its column is missing from both installs.
    expect(edit.report.findings.map((f) => `${f.table}.${f.name}`)).toContain('twos.name');
  }, 300_000);
});
