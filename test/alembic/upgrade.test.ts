/** Upgrades driven without env.py, on real Postgres: tables, version table, captured SQL, failures, engines. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AlembicRunner } from '../../src/alembic/bridge.js';
import { revision, startRunner, tree, upgradeTree } from './runner-fixtures.js';

describe('upgrade', () => {
  let runner: AlembicRunner;
  beforeAll(async () => {
    runner = await startRunner();
  });
  afterAll(() => runner.close());

  it('applies a versions folder without env.py, into the named version table, capturing SQL per revision', async () => {
    const root = await tree({
      'env.py': 'raise RuntimeError("driftbot must never run env.py")',
      'versions/0001_a.py': revision('0001', null, 'a', 'op.create_table("a", sa.Column("id", sa.Integer(), primary_key=True))'),
      'versions/0002_b.py': revision('0002', '0001', 'b', 'print("a migration that prints")\nop.execute("CREATE TABLE b (id int)")'),
    });
    const { result, tables } = await upgradeTree(runner, root);
    expect(result.failure).toBeNull();
    expect(tables).toEqual(['a', 'b', 'my_versions']);
    expect(result.applied.map((a) => [a.revision, a.path])).toEqual([
      ['0001', 'versions/0001_a.py'],
      ['0002', 'versions/0002_b.py'],
    ]);
    const [first, second] = result.applied.map((a) => a.statements.join('\n'));
    expect(first).toMatch(/CREATE TABLE a \(/);
    expect(first).not.toContain('CREATE TABLE b');
    expect(second).toContain('CREATE TABLE b (id int)');
    expect(second).toMatch(/UPDATE my_versions SET version_num='0002'/);
  });

  it('executes a revision module once per runner while its file is unchanged, and reports its stand-ins every time', async () => {
    const counts = await tree({});
    // Module-level code appends a line each time the module is executed.
    const counted = (extra = '') =>
      revision(
        '0001',
        null,
        'a',
        'op.execute("CREATE TABLE a (id int)")',
        `import sqlalchemy as sa\nfrom alembic import op\nimport not_installed_sdk\nwith open(${JSON.stringify(join(counts, 'loads'))}, "a") as f:\n    f.write("x\\n")\n${extra}`,
      );
    const root = await tree({ 'versions/0001_a.py': counted() });
    const loads = async () => (await readFile(join(counts, 'loads'), 'utf8')).split('\n').filter(Boolean).length;
    for (let i = 0; i < 2; i++) {
      const { result, tables } = await upgradeTree(runner, root);
      expect(result.failure).toBeNull();
      expect(tables).toEqual(['a', 'my_versions']);
      expect(result.standIns).toEqual([{ module: 'not_installed_sdk', importedFrom: 'versions/0001_a.py' }]);
    }
    expect(await loads()).toBe(1);
    // Edited: executed again.
    await writeFile(join(root, 'versions/0001_a.py'), counted('# edited\n'));
    const { result } = await upgradeTree(runner, root);
    expect(result.failure).toBeNull();
    expect(await loads()).toBe(2);
  });

  it('loads anew a revision module that made an engine or kept `create_engine` as it loaded: each request’s migration reaches its own database', async () => {
    const root = await tree({
      'versions/0001_a.py': revision(
        '0001',
        null,
        'a',
        'op.execute("CREATE TABLE a (id int)")\nwith create_engine("postgresql://elsewhere/x").begin() as c:\n    c.execute(text("CREATE TABLE via_function (id int)"))\nwith ENGINE.begin() as c:\n    c.execute(text("CREATE TABLE via_module_engine (id int)"))',
        'from alembic import op\nfrom sqlalchemy import create_engine, text\n\nENGINE = create_engine("postgresql://nowhere/nothing")\n',
      ),
    });
    // Two databases, one after the other, by the same runner.
    for (let i = 0; i < 2; i++) {
      const { result, tables } = await upgradeTree(runner, root);
      expect(result.failure, `request ${i + 1}`).toBeNull();
      expect(tables, `request ${i + 1}`).toEqual(['a', 'my_versions', 'via_function', 'via_module_engine']);
    }
  });

  it('reports a revision that fails in Postgres with its file, line and the driver’s message', async () => {
    const root = await tree({
      'versions/0001_a.py': revision('0001', null, 'a', 'op.create_table("a", sa.Column("id", sa.Integer()))'),
      'versions/0002_b.py': revision('0002', '0001', 'b', 'x = 1\nop.execute("INSERT INTO nowhere VALUES (1)")'),
    });
    const { result, tables } = await upgradeTree(runner, root);
    expect(result.failure).toEqual({ revision: '0002', path: 'versions/0002_b.py', line: 17, error: expect.stringMatching(/^relation "nowhere" does not exist/) });
    expect(result.applied.map((a) => a.revision)).toEqual(['0001']);
    expect(tables).toEqual(['a', 'my_versions']);
  });

  it('names the revision file whose module-level import fails while Alembic loads the folder', async () => {
    const root = await tree({
      'versions/0001_a.py': revision('0001', null, 'a', 'pass'),
      'versions/0002_b.py': revision('0002', '0001', 'b', 'pass', 'from alembic import op\nimport not_installed_anywhere\n'),
    });
    const { result } = await upgradeTree(runner, root, { stubMissingImports: false });
    expect(result.failure).toEqual({ revision: '0002', path: 'versions/0002_b.py', line: 7, error: "ModuleNotFoundError: No module named 'not_installed_anywhere'" });
  });

  it('reads revisions from more folders as part of the chain (a fix beside it, never a copy), and names a failing one by its file', async () => {
    const root = await tree({
      'versions/0001_a.py': revision('0001', null, 'a', 'op.create_table("a", sa.Column("id", sa.Integer()))'),
      'fix/0002_fix.py': revision('0002', '0001', 'fix', 'op.add_column("a", sa.Column("name", sa.Text()))'),
      'broken/0002_fix.py': revision('0002', '0001', 'fix', 'pass', 'from alembic import op\nimport not_installed_anywhere\n'),
    });
    const fixed = await upgradeTree(runner, root, { extraVersions: [`${root}/fix`] });
    expect(fixed.result.failure).toBeNull();
    expect(fixed.result.applied.map((a) => [a.revision, a.path])).toEqual([
      ['0001', 'versions/0001_a.py'],
      ['0002', 'fix/0002_fix.py'],
    ]);
    const broken = await upgradeTree(runner, root, { extraVersions: [`${root}/broken`], stubMissingImports: false });
    expect(broken.result.failure).toMatchObject({ revision: '0002', path: 'broken/0002_fix.py', error: "ModuleNotFoundError: No module named 'not_installed_anywhere'" });
  });

  it('says which extension is missing and where to find a server that has it', async () => {
    const root = await tree({ 'versions/0001_a.py': revision('0001', null, 'a', 'op.execute("CREATE EXTENSION IF NOT EXISTS driftbot_absent_ext")') });
    const { result } = await upgradeTree(runner, root);
    expect(result.failure).toMatchObject({ revision: '0001', line: 16 });
    expect(result.failure!.error).toMatch(/extension "driftbot_absent_ext" is not available/);
    expect(result.failure!.error).toMatch(/point DRIFTBOT_DATABASE_URL at a server that has driftbot_absent_ext/);
  });

  it('points every engine a migration creates at the throwaway database', async () => {
    const root = await tree({
      'versions/0001_a.py': revision(
        '0001',
        null,
        'a',
        `engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.begin() as conn:
    conn.execute(sa.text("CREATE TABLE from_config (id int)"))
other = sa.create_engine("postgresql://nobody@10.255.255.1/prod")
with other.begin() as conn:
    conn.execute(sa.text("CREATE TABLE from_hardcoded (id int)"))
settings = sa.engine_from_config({"db.url": "postgresql+asyncpg://app@10.255.255.1/prod"}, prefix="db.", connect_args={"server_settings": {"jit": "off"}})
with settings.begin() as conn:
    conn.execute(sa.text("CREATE TABLE from_engine_from_config (id int)"))`,
        'import sqlalchemy as sa\nfrom alembic import context, op\n',
      ),
      'versions/0002_b.py': revision(
        '0002',
        '0001',
        'b',
        `async def work():
    engine = create_async_engine("postgresql+asyncpg://app@10.255.255.1/prod", pool_size=2)
    async with engine.begin() as conn:
        await conn.execute(sa.text("CREATE TABLE from_async (id int)"))
    await engine.dispose()
asyncio.run(work())`,
        'import asyncio\nimport sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy.ext.asyncio import create_async_engine\n',
      ),
    });
    const { result, tables } = await upgradeTree(runner, root);
    expect(result.failure).toBeNull();
    expect(tables).toEqual(['from_async', 'from_config', 'from_engine_from_config', 'from_hardcoded', 'my_versions']);
    expect(result.applied[1]!.statements).toContain('CREATE TABLE from_async (id int)');
  });

  it('forgets a namespace package inside a regular package between trees (the parent goes first)', async () => {
    // As Agenta lays it out: a regular package whose versions folder has no __init__.py, imported as a package.
    const make = (value: string) =>
      tree({
        'app/__init__.py': '',
        'app/db/__init__.py': '',
        'app/db/parts/names.py': `TABLE = "${value}"\n`,
        'versions/0001_a.py': revision('0001', null, 'a', 'op.execute(f"CREATE TABLE {TABLE} (id int)")', 'from alembic import op\nfrom app.db.parts.names import TABLE\n'),
      });
    expect((await upgradeTree(runner, await make('first_tree'))).tables).toEqual(['first_tree', 'my_versions']);
    expect((await upgradeTree(runner, await make('second_tree'))).tables).toEqual(['my_versions', 'second_tree']);
  });

  it('keeps base’s and head’s modules apart in one process, namespace packages too', async () => {
    const make = (value: string) =>
      tree({
        'app/__init__.py': '',
        'app/names.py': `TABLE = "${value}"\n`,
        'shared/names.py': `TABLE = "${value}_ns"\n`,
        'versions/0001_a.py': revision(
          '0001',
          null,
          'a',
          'op.execute(f"CREATE TABLE {TABLE} (id int)")\nop.execute(f"CREATE TABLE {NS_TABLE} (id int)")',
          'from alembic import op\nfrom app.names import TABLE\nfrom shared.names import TABLE as NS_TABLE\n',
        ),
      });
    expect((await upgradeTree(runner, await make('from_base'))).tables).toEqual(['from_base', 'from_base_ns', 'my_versions']);
    expect((await upgradeTree(runner, await make('from_head'))).tables).toEqual(['from_head', 'from_head_ns', 'my_versions']);
  });
});
