/**
 * Stand-ins for third-party modules the analysed code imports but driftbot's environment
 * lacks: ordinary class bodies, decorators and SQLAlchemy mixins keep working, and every
 * stand-in is reported. Nothing outside the repository ever gets one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { AlembicRunner } from '../../src/alembic/bridge.js';
import { scratchDatabase } from '../support/postgres.js';
import { revision, startRunner, tree, upgradeTree } from './runner-fixtures.js';

const SETTINGS = `from typing import Optional
from pydantic_settings import BaseSettings
from pydantic import BaseModel, Field, validator
from some_vendor.sub.module import decorate


class Error(BaseModel):
    message: str = Field(default="")


class Result(BaseModel):
    error: Optional[Error] = None

    @validator("error")
    def check(cls, value):
        return value


class Settings(BaseSettings, env_prefix="APP_"):
    table_name: str = "from_settings"


@decorate
def helper():
    return "kept"


settings = Settings()
`;

describe('stand-ins', () => {
  let runner: AlembicRunner;
  beforeAll(async () => {
    runner = await startRunner();
  });
  afterAll(() => runner.close());

  it('replace missing third-party modules imported by app code in a migration, and are reported', async () => {
    const root = await tree({
      'app/__init__.py': '',
      'app/settings.py': SETTINGS,
      'versions/0001_a.py': revision(
        '0001',
        null,
        'a',
        `assert helper() == "kept"
assert Result().error is None
op.execute(f"CREATE TABLE {settings.table_name} (id int)")`,
        'from alembic import op\nfrom app.settings import Result, helper, settings\n',
      ),
    });
    const { result, tables } = await upgradeTree(runner, root);
    expect(result.failure).toBeNull();
    expect(tables).toContain('from_settings');
    expect(result.standIns).toEqual([
      { module: 'pydantic_settings', importedFrom: 'app/settings.py' },
      { module: 'pydantic', importedFrom: 'app/settings.py' },
      { module: 'some_vendor', importedFrom: 'app/settings.py' },
    ]);
  });

  it('are not made when the tree asks for none: the import fails and names the module', async () => {
    const root = await tree({
      'app/__init__.py': '',
      'app/settings.py': SETTINGS,
      'versions/0001_a.py': revision('0001', null, 'a', 'pass', 'from alembic import op\nfrom app.settings import settings\n'),
    });
    const { result } = await upgradeTree(runner, root, { stubMissingImports: false });
    expect(result.failure).toMatchObject({ revision: '0001', path: 'versions/0001_a.py', line: 7, error: "ModuleNotFoundError: No module named 'pydantic_settings'" });
    expect(result.standIns).toEqual([]);
  });

  it('never replace a package the repository itself has: the import fails and says which python.paths folder is missing', async () => {
    const root = await tree({
      'server/app/__init__.py': '',
      'server/app/settings.py': 'TABLE = "accounts"\n',
      'versions/0001_a.py': revision('0001', null, 'a', 'op.execute(f"CREATE TABLE {TABLE} (id int)")', 'from alembic import op\nfrom app.settings import TABLE\n'),
    });
    // server/ is not an import root: `app` is the repository's own, not a missing third-party package.
    const { result, tables } = await upgradeTree(runner, root, { pythonPaths: [root] });
    expect(result.standIns).toEqual([]);
    expect(tables).toEqual([]);
    expect(result.failure).toMatchObject({ revision: '0001', path: 'versions/0001_a.py' });
    expect(result.failure?.error).toContain(
      "ModuleNotFoundError: No module named 'app': the repository has it at server/app, which is not importable as 'app': add the folder above it to python.paths",
    );
  });

  it('mix into declarative models and ABCs without a metaclass conflict; the real columns and constructor remain', async () => {
    const root = await tree({
      'app/__init__.py': '',
      'app/models.py': `import abc

import sqlalchemy as sa
from fastapi_users_db_sqlalchemy import SQLAlchemyBaseUserTable
from sqlalchemy.orm import DeclarativeBase, Mapped, declarative_base, mapped_column
from sqlalchemy_utils import Timestamp, generic_repr


class Base(DeclarativeBase):
    pass


class User(SQLAlchemyBaseUserTable[int], Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)


LegacyBase = declarative_base()


@generic_repr
class Legacy(LegacyBase, Timestamp):
    __tablename__ = "legacy"
    id = sa.Column(sa.Integer, primary_key=True)


class Repository(Timestamp, abc.ABC):
    pass


assert User(id=7).id == 7 and Legacy(id=8).id == 8
`,
    });
    const database = await scratchDatabase('standins');
    try {
      const result = await runner.buildModels({ url: database.url, files: [join(root, 'app/models.py')], pythonPaths: [root], stubMissingImports: true, root });
      expect(result.errors).toEqual([]);
      expect(result.tables.map((t) => [t.name, t.className, t.columns.map((c) => c.name)])).toEqual([
        ['users', 'User', ['id']],
        ['legacy', 'Legacy', ['id']],
      ]);
      expect(result.standIns.map((s) => s.module)).toEqual(['fastapi_users_db_sqlalchemy', 'sqlalchemy_utils']);
      const { rows } = await database.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
      expect(rows.map((r) => r.tablename)).toEqual(['legacy', 'users']);
    } finally {
      await database.drop();
    }
  });

  it('never stand in for what SQLAlchemy imports itself, even when the repository asks for it', async () => {
    // SQLAlchemy imports a dialect's driver on demand: a stand-in there would pass for a real driver.
    const root = await tree({
      'versions/0001_a.py': revision(
        '0001',
        null,
        'a',
        `try:
    MySQLDialect_pymysql.import_dbapi()
except ModuleNotFoundError:
    op.execute("CREATE TABLE driver_really_missing (id int)")`,
        'from alembic import op\nfrom sqlalchemy.dialects.mysql.pymysql import MySQLDialect_pymysql\n',
      ),
    });
    const { result, tables } = await upgradeTree(runner, root);
    expect(result.failure).toBeNull();
    expect(tables).toContain('driver_really_missing');
    expect(result.standIns).toEqual([]);
  });
});
