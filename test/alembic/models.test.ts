/** Models built for real with create_all, and the line that declares each table and column. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { AlembicRunner, ModelsResult } from '../../src/alembic/bridge.js';
import { scratchDatabase, type ScratchDatabase } from '../support/postgres.js';
import { startRunner, tree } from './runner-fixtures.js';

const BASE = `import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Model(Base):
    __abstract__ = True

    created_at: Mapped[datetime.datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
`;

const MIXINS = `import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import declared_attr


class TagsDBA:
    tags = sa.Column(postgresql.JSONB)


class MetaDBA:
    @declared_attr
    def meta(cls):
        return sa.Column(sa.JSON)
`;

const MODELS = `import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model
from .mixins import MetaDBA, TagsDBA


class Kind(enum.Enum):
    a = "a"
    b = "b"


class Stream(Model, TagsDBA, MetaDBA):
    __tablename__ = "streams"
    __table_args__ = {"schema": "audit"}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind = mapped_column(sa.Enum(Kind, name="stream_kind"))
    owner: Mapped[sa.UUID] = mapped_column(sa.UUID, nullable=True)
`;

describe('models', () => {
  let runner: AlembicRunner;
  beforeAll(async () => {
    runner = await startRunner();
  });
  afterAll(() => runner.close());

  async function build(root: string, files: string[], pythonPaths = [root]): Promise<{ result: ModelsResult; database: ScratchDatabase }> {
    const database = await scratchDatabase('models');
    const result = await runner.buildModels({ url: database.url, files: files.map((f) => join(root, f)), pythonPaths, stubMissingImports: false, root });
    return { result, database };
  }

  it('builds models through mixins, declared_attr, Mapped and another schema, with the line that declares each column', async () => {
    const root = await tree({
      'pkg/__init__.py': '',
      'pkg/base.py': BASE,
      'pkg/mixins.py': MIXINS,
      'pkg/models.py': MODELS,
    });
    const { result, database } = await build(root, ['pkg/models.py']);
    try {
      expect(result.errors).toEqual([]);
      expect(result.tables).toHaveLength(1);
      const [table] = result.tables;
      expect({ ...table, columns: [] }).toEqual({ schema: 'audit', name: 'streams', className: 'Stream', path: 'pkg/models.py', line: 15, columns: [] });
      expect([...table!.columns].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { name: 'created_at', attribute: 'created_at', path: 'pkg/base.py', line: 14, className: 'Model' },
        { name: 'id', attribute: 'id', path: 'pkg/models.py', line: 19, className: 'Stream' },
        { name: 'kind', attribute: 'kind', path: 'pkg/models.py', line: 20, className: 'Stream' },
        { name: 'meta', attribute: 'meta', path: 'pkg/mixins.py', line: 12, className: 'MetaDBA' },
        { name: 'owner', attribute: 'owner', path: 'pkg/models.py', line: 21, className: 'Stream' },
        { name: 'tags', attribute: 'tags', path: 'pkg/mixins.py', line: 7, className: 'TagsDBA' },
      ]);
      const columns = await database.query("SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = 'audit' AND table_name = 'streams' ORDER BY 1");
      expect(columns.rows.map((r) => `${r.column_name} ${r.udt_name}`)).toEqual(['created_at timestamptz', 'id int4', 'kind stream_kind', 'meta json', 'owner uuid', 'tags jsonb']);
      const labels = await database.query("SELECT enumlabel FROM pg_enum JOIN pg_type ON pg_type.oid = enumtypid WHERE typname = 'stream_kind' ORDER BY enumsortorder");
      expect(labels.rows.map((r) => r.enumlabel)).toEqual(['a', 'b']);
    } finally {
      await database.drop();
    }
  });

  it('finds tables of registries, plain Table objects and single-table inheritance, each at its declaration', async () => {
    const root = await tree({
      'app/__init__.py': '',
      'app/models.py': `import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, registry

mapper_registry = registry()

links = sa.Table(
    "links",
    mapper_registry.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("url", sa.Text),
)


@mapper_registry.mapped
class Animal:
    __tablename__ = "animals"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str]
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "animal"}


@mapper_registry.mapped
class Dog(Animal):
    barks: Mapped[bool] = mapped_column(nullable=True)
    __mapper_args__ = {"polymorphic_identity": "dog"}
`,
      'scripts/legacy.py': 'import sqlalchemy as sa\n\nmeta = sa.MetaData()\nsa.Table("legacy", meta, sa.Column("id", sa.Integer))\n',
    });
    const { result, database } = await build(root, ['app/models.py', 'scripts/legacy.py']);
    try {
      expect(result.errors).toEqual([]);
      const summary = result.tables.map((t) => [t.name, t.className, `${t.path}:${t.line}`, t.columns.map((c) => `${c.name}@${c.className}:${c.line}`)]);
      expect(summary).toEqual([
        ['links', null, 'app/models.py:6', ['id@null:9', 'url@null:10']],
        ['animals', 'Animal', 'app/models.py:15', ['id@Animal:17', 'kind@Animal:18', 'barks@Dog:24']],
        ['legacy', null, 'scripts/legacy.py:4', ['id@null:4']],
      ]);
      const tables = await database.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
      expect(tables.rows.map((r) => r.tablename)).toEqual(['animals', 'legacy', 'links']);
    } finally {
      await database.drop();
    }
  });

  it('reports a model file that cannot be imported, and builds the others', async () => {
    const root = await tree({
      'good.py': 'import sqlalchemy as sa\n\nmeta = sa.MetaData()\nthings = sa.Table("things", meta, sa.Column("id", sa.Integer))\n',
      'bad.py': 'raise ValueError("settings missing")\n',
    });
    const { result, database } = await build(root, ['bad.py', 'good.py']);
    try {
      expect(result.errors).toEqual([{ path: 'bad.py', message: 'cannot import bad.py: ValueError: settings missing' }]);
      expect(result.tables.map((t) => t.name)).toEqual(['things']);
    } finally {
      await database.drop();
    }
  });

  it("forgets the SQLAlchemy listeners a previous tree's code registered: head's models are not built with base's", async () => {
    // Netflix Dispatch's full-text search: its models module listens on every mapper and
    // adds a GIN index to each table with a search vector. Base's listener outlived base's
    // modules and added the index to head's tables a second time ("already exists").
    const searchable = `import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Mapper


def add_index(mapper, cls):
    table = mapper.local_table
    sa.Index(f"{table.name}_name_idx", table.c.name)


event.listen(Mapper, "instrument_class", add_index)


class Base(DeclarativeBase):
    pass


class Project(Base):
    __tablename__ = "project"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String)
`;
    const base = await build(await tree({ 'app/__init__.py': '', 'app/models.py': searchable }), ['app/models.py']);
    const head = await build(await tree({ 'app/__init__.py': '', 'app/models.py': searchable.replace('    name = sa.Column(sa.String)\n', '    name = sa.Column(sa.Text)\n') }), [
      'app/models.py',
    ]);
    try {
      expect(base.result.errors).toEqual([]);
      expect(head.result.errors).toEqual([]);
      const indexes = await head.database.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'project' ORDER BY 1");
      expect(indexes.rows.map((r) => r.indexname)).toEqual(['project_name_idx', 'project_pkey']);
    } finally {
      await Promise.all([base.database.drop(), head.database.drop()]);
    }
  });

  it("imports the repository's own modules named like the runner's (models, scan, upgrade), and places a table built in a loop at its MetaData", async () => {
    const root = await tree({
      'models.py':
        'import sqlalchemy as sa\n\nimport upgrade\nfrom scan import NAMES\n\nmeta = sa.MetaData()\nfor name in NAMES:\n    sa.Table(name, meta, sa.Column("id", sa.Integer))\n',
      'scan.py': 'NAMES = ["scanned"]\n',
      'upgrade.py': 'VALUE = 1\n',
    });
    const { result, database } = await build(root, ['models.py']);
    try {
      expect(result.errors).toEqual([]);
      expect(result.tables.map((t) => [t.name, `${t.path}:${t.line}`, t.columns.map((c) => `${c.name}:${c.line}`)])).toEqual([['scanned', 'models.py:6', ['id:6']]]);
    } finally {
      await database.drop();
    }
  });

  it('cancels a statement of create_all that runs past the statement timeout, as upgrade does', async () => {
    const root = await tree({
      'slow.py':
        'import sqlalchemy as sa\n\nmeta = sa.MetaData()\nslow = sa.Table("slow", meta, sa.Column("id", sa.Integer))\nsa.event.listen(slow, "after_create", sa.DDL("SELECT pg_sleep(10)"))\n',
    });
    const database = await scratchDatabase('models');
    try {
      const started = Date.now();
      const models = runner.buildModels({ url: database.url, files: [join(root, 'slow.py')], pythonPaths: [root], stubMissingImports: false, root, statementTimeoutMs: 300 });
      await expect(models).rejects.toThrow(/canceling statement due to statement timeout/);
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      await database.drop();
    }
  });
});
