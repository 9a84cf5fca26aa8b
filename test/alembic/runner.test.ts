/** The Alembic runner against real Postgres, on versions folders written by the tests. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inject } from 'vitest';
import { AlembicRunner } from '../../src/alembic/bridge.js';
import { execFileSync } from 'node:child_process';
import { revision } from '../../demo/seed-repo.js';
import { scratchDatabase, type ScratchDatabase } from '../support/postgres.js';

async function tree(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'driftbot-test-runner-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

function start(timeoutMs = 60_000, memoryLimitBytes?: number): Promise<AlembicRunner> {
  return AlembicRunner.start({ python: inject('pythonExecutable'), env: { PATH: process.env.PATH ?? '' }, cwd: tmpdir(), timeoutMs, memoryLimitBytes });
}

describe('the Alembic runner', () => {
  let runner: AlembicRunner;
  let database: ScratchDatabase;
  beforeAll(async () => {
    runner = await start();
  });
  afterAll(() => runner.close());

  const upgrade = async (root: string, extra: Partial<Parameters<AlembicRunner['upgrade']>[0]> = {}) => {
    database = await scratchDatabase('runner');
    try {
      return await runner.upgrade({ url: database.url, versions: join(root, 'versions'), versionTable: 'my_versions', pythonPaths: [root], stubMissingImports: true, root, ...extra });
    } finally {
      const tables = await database.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
      lastTables = tables.rows.map((r) => r.tablename);
      await database.drop();
    }
  };
  let lastTables: string[] = [];

  it('applies a versions folder without env.py, into the named version table, capturing SQL per revision', async () => {
    const root = await tree({
      'env.py': 'raise RuntimeError("never run")',
      'versions/0001_a.py': revision('0001', null, 'a', 'op.create_table("a", sa.Column("id", sa.Integer(), primary_key=True))'),
      'versions/0002_b.py': revision('0002', '0001', 'b', 'op.execute("CREATE TABLE b (id int)")'),
    });
    const result = await upgrade(root);
    expect(result.failure).toBeNull();
    expect(lastTables).toEqual(['a', 'b', 'my_versions']);
    expect(result.applied.map((a) => [a.revision, a.path])).toEqual([
      ['0001', 'versions/0001_a.py'],
      ['0002', 'versions/0002_b.py'],
    ]);
    expect(result.applied[1]!.statements.join('\n')).toContain('CREATE TABLE b (id int)');
    expect(result.applied[0]!.statements.join('\n')).not.toContain('CREATE TABLE b');
  });

  it('reports a failing revision with its file, line and the Postgres error', async () => {
    const root = await tree({
      'versions/0001_a.py': revision('0001', null, 'a', 'op.create_table("a", sa.Column("id", sa.Integer()))'),
      'versions/0002_b.py': revision('0002', '0001', 'b', 'x = 1\nop.execute("INSERT INTO nowhere VALUES (1)")'),
    });
    const result = await upgrade(root);
    expect(result.failure).toEqual({ revision: '0002', path: 'versions/0002_b.py', line: 17, error: expect.stringContaining('relation "nowhere" does not exist') });
    expect(lastTables).toEqual(['a', 'my_versions']);
  });

  it('points every engine a migration creates at the throwaway database', async () => {
    const root = await tree({
      'versions/0001_a.py': revision('0001', null, 'a', `engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.begin() as conn:
    conn.execute(sa.text("CREATE TABLE from_config (id int)"))
other = sa.create_engine("postgresql://nobody:secret@10.255.255.1/production")
with other.begin() as conn:
    conn.execute(sa.text("CREATE TABLE from_hardcoded (id int)"))`, 'import sqlalchemy as sa\nfrom alembic import context, op\n'),
    });
    const result = await upgrade(root);
    expect(result.failure).toBeNull();
    expect(lastTables).toEqual(['from_config', 'from_hardcoded', 'my_versions']);
  });

  it('stands in for missing third-party modules imported by app code, and says so', async () => {
    const root = await tree({
      'app/__init__.py': '',
      'app/settings.py': `from typing import Optional
from pydantic_settings import BaseSettings
from pydantic import BaseModel, validator
from some_vendor.sub.module import decorate


class Error(BaseModel):
    message: str = ""


class Result(BaseModel):
    error: Optional[Error] = None

    @validator("error")
    def check(cls, value):
        return value


class Settings(BaseSettings):
    table_name: str = "from_settings"


@decorate
def helper():
    return "kept"


settings = Settings()
`,
      'versions/0001_a.py': revision('0001', null, 'a', `assert helper() == "kept"
op.execute("CREATE TABLE stand_in_ok (id int)")`, 'import sqlalchemy as sa\nfrom alembic import op\nfrom app.settings import helper, settings\n'),
    });
    const result = await upgrade(root);
    expect(result.failure).toBeNull();
    expect(lastTables).toContain('stand_in_ok');
    expect(result.standIns.map((s) => s.module)).toEqual(expect.arrayContaining(['pydantic_settings', 'pydantic']));
    expect(result.standIns.find((s) => s.module === 'pydantic_settings')!.importedFrom).toBe('app/settings.py');
  });

  it('reads revisions statically: order, heads, and every kind of problem', async () => {
    const root = await tree({
      'versions/0001_a.py': revision('0001', null, 'a', 'pass'),
      'versions/0002_b.py': revision('0002', '0001', 'b', 'pass'),
      'versions/0003_c.py': revision('0003', '0001', 'c', 'pass'),
      'versions/0004_d.py': revision('0004', 'nowhere', 'd', 'pass'),
      'versions/0005_dup.py': revision('0002', '0001', 'dup', 'pass'),
      'versions/broken.py': 'revision = "0009"\ndef (:\n',
      'versions/latin1.py': Buffer.from([0x72, 0x3d, 0xe9, 0x0a]),
      'versions/runs_code.py': 'import os\nos.system("touch /tmp/driftbot-should-not-exist")\nrevision = "0010"\ndown_revision = "0003"\n',
    });
    const scan = await runner.scan({ versions: join(root, 'versions'), root });
    expect(scan.revisions.map((r) => r.revision)).toEqual(['0001', '0002', '0003', '0004', '0002', '0010']);
    expect(scan.heads).toEqual(['0002', '0004', '0010']);
    expect(scan.problems.map((p) => p.kind).sort()).toEqual(['dangling', 'duplicate', 'multiple-heads', 'unreadable', 'unreadable']);
    expect(scan.problems.find((p) => p.kind === 'unreadable' && p.path === 'versions/broken.py')!.message).toMatch(/syntax error at line 2/);
    expect(scan.problems.find((p) => p.path === 'versions/latin1.py')!.message).toMatch(/not UTF-8/);
    const { existsSync } = await import('node:fs');
    expect(existsSync('/tmp/driftbot-should-not-exist')).toBe(false);
  });

  it('finds a cycle', async () => {
    const root = await tree({ 'versions/a.py': revision('a', 'b', 'a', 'pass'), 'versions/b.py': revision('b', 'a', 'b', 'pass') });
    const scan = await runner.scan({ versions: join(root, 'versions'), root });
    expect(scan.problems.map((p) => p.kind)).toContain('cycle');
  });

  it('builds models through mixins, declared_attr, Mapped and other schemas, with the line that declares each column', async () => {
    const root = await tree({
      'pkg/__init__.py': '',
      'pkg/base.py': 'from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n',
      'pkg/mixins.py': `import sqlalchemy as sa
from sqlalchemy.orm import declared_attr


class TagsDBA:
    tags = sa.Column(sa.dialects.postgresql.JSONB)


class MetaDBA:
    @declared_attr
    def meta(cls):
        return sa.Column(sa.JSON)
`,
      'pkg/models.py': `import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pkg.base import Base
from pkg.mixins import MetaDBA, TagsDBA


class Kind(enum.Enum):
    a = "a"
    b = "b"


class Stream(Base, TagsDBA, MetaDBA):
    __tablename__ = "streams"
    __table_args__ = {"schema": "audit"}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind = mapped_column(sa.Enum(Kind, name="stream_kind"))
`,
    });
    const database = await scratchDatabase('models');
    try {
      const result = await runner.buildModels({ url: database.url, files: [join(root, 'pkg/models.py')], pythonPaths: [root], stubMissingImports: false, root });
      expect(result.errors).toEqual([]);
      expect(result.tables).toEqual([
        {
          schema: 'audit',
          name: 'streams',
          className: 'Stream',
          path: 'pkg/models.py',
          line: 15,
          columns: expect.arrayContaining([
            { name: 'tags', attribute: 'tags', path: 'pkg/mixins.py', line: 6, className: 'TagsDBA' },
            { name: 'meta', attribute: 'meta', path: 'pkg/mixins.py', line: 11, className: 'MetaDBA' },
            { name: 'id', attribute: 'id', path: 'pkg/models.py', line: 19, className: 'Stream' },
            { name: 'kind', attribute: 'kind', path: 'pkg/models.py', line: 20, className: 'Stream' },
          ]),
        },
      ]);
      const { rows } = await database.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'audit' ORDER BY 1");
      expect(rows.map((r) => r.column_name)).toEqual(['id', 'kind', 'meta', 'tags']);
    } finally {
      await database.drop();
    }
  });

  it('keeps base’s and head’s modules apart in one process', async () => {
    const make = (value: string) => tree({ 'app/__init__.py': '', 'app/names.py': `TABLE = "${value}"\n`, 'versions/0001_a.py': revision('0001', null, 'a', 'op.execute(f"CREATE TABLE {TABLE} (id int)")', 'from alembic import op\nfrom app.names import TABLE\n') });
    await upgrade(await make('from_base'));
    expect(lastTables).toContain('from_base');
    await upgrade(await make('from_head'));
    expect(lastTables).toContain('from_head');
  });
});

describe('runner limits', () => {
  it('stops a request that outlives its limit, with the command and the limit in the error', async () => {
    const runner = await start(1500);
    const root = await tree({ 'versions/0001_a.py': revision('0001', null, 'a', 'while True:\n    pass') });
    const database = await scratchDatabase('loop');
    try {
      await expect(runner.upgrade({ url: database.url, versions: join(root, 'versions'), versionTable: 'v', pythonPaths: [], stubMissingImports: false, root })).rejects.toThrow(
        /"upgrade" took longer than the limit of 2 s/,
      );
      await expect(runner.scan({ versions: join(root, 'versions'), root })).rejects.toThrow(/killed by SIGKILL|not running/);
    } finally {
      await runner.close();
      await database.drop();
    }
  });

  it('a migration that allocates without end fails with MemoryError, naming its revision; the runner lives on', async () => {
    const runner = await start(60_000, 1024 ** 3);
    const root = await tree({ 'versions/0001_a.py': revision('0001', null, 'a', 'hog = []\nwhile True:\n    hog.append(bytearray(64 * 1024 * 1024))') });
    const database = await scratchDatabase('memory');
    try {
      const result = await runner.upgrade({ url: database.url, versions: join(root, 'versions'), versionTable: 'v', pythonPaths: [], stubMissingImports: false, root });
      expect(result.failure).toMatchObject({ revision: '0001', path: 'versions/0001_a.py', error: expect.stringContaining('MemoryError') });
      expect((await runner.scan({ versions: join(root, 'versions'), root })).revisions).toHaveLength(1);
    } finally {
      await runner.close();
      await database.drop();
    }
  });

  it('a statement that runs past statement_timeout is cancelled by Postgres', async () => {
    const runner = await start();
    const root = await tree({ 'versions/0001_a.py': revision('0001', null, 'a', 'op.execute("SELECT pg_sleep(10)")') });
    const database = await scratchDatabase('stmt');
    try {
      const started = Date.now();
      const result = await runner.upgrade({ url: database.url, versions: join(root, 'versions'), versionTable: 'v', pythonPaths: [], stubMissingImports: false, root, statementTimeoutMs: 300 });
      expect(result.failure).toMatchObject({ revision: '0001', error: expect.stringContaining('statement timeout') });
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      await runner.close();
      await database.drop();
    }
  });

  it('processes a migration spawns do not outlive the runner', async () => {
    const runner = await start();
    const marker = `sleep 6000.${Date.now() % 100000}`;
    const root = await tree({ 'versions/0001_a.py': revision('0001', null, 'a', `subprocess.Popen(${JSON.stringify(marker.split(' '))})`, 'import subprocess\nfrom alembic import op\n') });
    const database = await scratchDatabase('orphan');
    try {
      const result = await runner.upgrade({ url: database.url, versions: join(root, 'versions'), versionTable: 'v', pythonPaths: [], stubMissingImports: false, root });
      expect(result.failure).toBeNull();
      expect(running(marker)).toBe(true);
    } finally {
      await runner.close();
      await database.drop();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(running(marker)).toBe(false);
  });
});

function running(marker: string): boolean {
  return execFileSync('ps', ['-eo', 'args']).toString().split('\n').some((line) => line.trim() === marker);
}
