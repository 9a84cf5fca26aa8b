import { describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import '../support/postgres.js';
import { discoverConfig } from '../../src/config/discover.js';
import { ConfigError } from '../../src/config/load.js';
import { materialize } from '../../src/workspace/git.js';
import { GitFixture } from '../../demo/git-fixture.js';
import { repoFilesAt } from '../../src/workspace/repo-files.js';
import { committedFiles, revisionFile } from './committed.js';

const run = promisify(execFile);

const BASE = 'from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n';
const MIXIN = [
  'from sqlalchemy import DateTime, func',
  'from sqlalchemy.orm import Mapped, mapped_column',
  '',
  '',
  'class TimestampMixin:',
  '    created_at: Mapped[object] = mapped_column(DateTime(timezone=True), server_default=func.now())',
  '',
].join('\n');
const USER = [
  'from sqlalchemy.orm import Mapped, mapped_column',
  'from app.db.base import Base',
  'from app.db.mixins import TimestampMixin',
  '',
  '',
  'class User(TimestampMixin, Base):',
  '    __tablename__ = "users"',
  '    id: Mapped[int] = mapped_column(primary_key=True)',
  '',
].join('\n');

/** A service with its alembic.ini in a subfolder, models in packages with a mixin, and every kind of decoy. */
const SERVICE: Record<string, string> = {
  'svc/alembic.ini': '[alembic]\n# script_location = wrong/place\nscript_location = %(here)s/db/migrations\n\n[other]\nscript_location = elsewhere\n',
  'svc/db/migrations/env.py': 'raise RuntimeError("never run")\n',
  // A data migration that declares a table class: part of the chain, not a model.
  'svc/db/migrations/versions/0001_init.py': `${revisionFile('0001', null)}\n\nclass Snapshot:\n    __tablename__ = "snapshot"\n`,
  'svc/app/__init__.py': '',
  'svc/app/db/__init__.py': '',
  'svc/app/db/base.py': BASE,
  'svc/app/db/mixins.py': MIXIN,
  'svc/app/db/models.py': USER,
  'svc/app/db/audit.py': 'from app.db.base import Base\n\n\nclass Audit(Base):\n    __tablename__: str = "audit"\n',
  'svc/scripts/report.py': 'print("__tablename__ is only a word here")\n',
  'svc/tests/test_models.py': 'class T(Base):\n    __tablename__ = "t"\n',
  '.venv/lib/python3.12/site-packages/lib/models.py': 'class V(Base):\n    __tablename__ = "v"\n',
  'standalone.py': 'class Thing(Base):\n    __tablename__ = "thing"\n',
  'tools/loose/models.py': 'class Loose(Base):\n    __tablename__ = "loose"\n',
};

describe('discoverConfig', () => {
  it('follows alembic.ini’s script_location with %(here)s, and finds the model files and their import roots', async () => {
    const config = await discoverConfig(await committedFiles(SERVICE));
    expect(config).toEqual({
      databases: [
        {
          name: 'default',
          chains: [{ versions: 'svc/db/migrations/versions', versionTable: 'alembic_version', schema: null }],
          models: ['standalone.py', 'svc/app/db/audit.py', 'svc/app/db/models.py', 'tools/loose/models.py'],
          install: 'migrations',
        },
      ],
      python: { paths: ['svc', 'tools/loose', '.'], stubMissingImports: true, env: {}, envFiles: [], mounts: {}, files: {}, requirements: null, version: null },
      ignore: [],
      fix: { revision: 'auto' },
      upgradeFrom: [],
      postgres: { version: null },
      source: 'discovered',
      assumptions: [
        'migrations in svc/db/migrations/versions (script_location "%(here)s/db/migrations" in svc/alembic.ini)',
        '4 model files (Python files that declare __tablename__), imported from svc, tools/loose, the repository root',
      ],
      warnings: [],
    });
  });

  it('gives import roots under which a model and the mixin it imports load for real', async () => {
    const repo = await GitFixture.create(await mkdtemp(join(tmpdir(), 'driftbot-test-config-')));
    const sha = await repo.commit('service', SERVICE);
    const config = await discoverConfig(await repoFilesAt(repo.dir, sha));
    const dest = await mkdtemp(join(tmpdir(), 'driftbot-test-tree-'));
    await materialize(repo.dir, sha, config.python.paths, dest);
    const script = [
      'import importlib, sys',
      `sys.path[:0] = [${config.python.paths.map((p) => JSON.stringify(join(dest, p))).join(', ')}]`,
      'models = importlib.import_module("app.db.models")',
      'print(sorted(models.User.__table__.columns.keys()))',
    ].join('\n');
    const { stdout } = await run(inject('pythonExecutable'), ['-c', script], { cwd: dest });
    expect(stdout.trim()).toBe("['created_at', 'id']");
  });

  it('matches an absolute container path by its longest ending, preferring folders beside the ini', async () => {
    const config = await discoverConfig(
      await committedFiles({
        'services/api/alembic.ini': '[alembic]\nscript_location = /app/migrations\n',
        'services/api/migrations/versions/a1_init.py': revisionFile('a1', null),
        'services/worker/migrations/versions/b1_init.py': revisionFile('b1', null),
      }),
    );
    expect(config.databases[0]!.chains[0]!.versions).toBe('services/api/migrations/versions');
    expect(config.assumptions.slice(0, 2)).toEqual([
      'migrations in services/api/migrations/versions (script_location "/app/migrations" in services/api/alembic.ini, matched to the repository by its ending "migrations/versions")',
      '1 other Alembic setup not analysed (services/worker/migrations/versions): the first with an alembic.ini, then the shallowest, was chosen; list them in .github/driftbot.yml to analyse them',
    ]);
  });

  it('matches a deep container path, and a package resource, by their endings', async () => {
    const deep = await discoverConfig(
      await committedFiles({ 'alembic.ini': '[alembic]\nscript_location = /srv/app/src/db/migrations\n', 'backend/src/db/migrations/versions/x1.py': revisionFile('x1', null) }),
    );
    expect(deep.databases[0]!.chains[0]!.versions).toBe('backend/src/db/migrations/versions');
    expect(deep.assumptions[0]).toContain('matched to the repository by its ending "src/db/migrations/versions"');

    const resource = await discoverConfig(
      await committedFiles({ 'alembic.ini': '[alembic]\nscript_location = myapp.store:migrations\n', 'src/myapp/store/migrations/versions/x1.py': revisionFile('x1', null) }),
    );
    expect(resource.databases[0]!.chains[0]!.versions).toBe('src/myapp/store/migrations/versions');
  });

  it('uses version_locations when the ini sets it', async () => {
    const config = await discoverConfig(
      await committedFiles({
        'alembic.ini': '[alembic]\nscript_location = migrations\nversion_locations = %(here)s/migrations/core %(here)s/migrations/extra\n',
        'migrations/core/c1.py': revisionFile('c1', null),
        'migrations/extra/e1.py': revisionFile('e1', 'c1'),
      }),
    );
    expect(config.databases[0]!.chains[0]!.versions).toBe('migrations/core');
    expect(config.assumptions[0]).toBe('migrations in migrations/core (version_locations "%(here)s/migrations/core" in alembic.ini, the first of 2)');
  });

  it('finds a bare versions folder of revision files, skipping tests and look-alikes', async () => {
    const config = await discoverConfig(
      await committedFiles({
        'db/versions/__init__.py': '',
        'db/versions/ab12cd_init.py': 'from typing import Union\n\nrevision: str = "ab12cd"\ndown_revision: Union[str, None] = None\n',
        'tests/fixtures/versions/x.py': revisionFile('x', null),
        'docs/versions/notes.py': 'revision = 3\n\n\ndef f():\n    down_revision = 2\n',
      }),
    );
    expect(config.databases[0]!.chains).toEqual([{ versions: 'db/versions', versionTable: 'alembic_version', schema: null }]);
    expect(config.assumptions).toEqual([
      'migrations in db/versions (a versions folder of Alembic revision files; no alembic.ini names it)',
      'no model files found (no Python file declares __tablename__): models are not compared',
    ]);
    expect(config.python.paths).toEqual(['.']);
  });

  it('picks the setup with an alembic.ini over bare folders, else the shallowest, and names the others', async () => {
    const withIni = await discoverConfig(
      await committedFiles({
        'versions/r1.py': revisionFile('r1', null),
        'svc/alembic.ini': '[alembic]\nscript_location: migrations\n',
        'svc/migrations/versions/s1.py': revisionFile('s1', null),
      }),
    );
    expect(withIni.databases[0]!.chains[0]!.versions).toBe('svc/migrations/versions');
    expect(withIni.assumptions[1]).toMatch(/^1 other Alembic setup not analysed \(versions\)/);

    const bare = await discoverConfig(
      await committedFiles({ 'a/deep/er/versions/r1.py': revisionFile('r1', null), 'b/versions/r1.py': revisionFile('r1', null), 'c/versions/r1.py': revisionFile('r1', null) }),
    );
    expect(bare.databases[0]!.chains[0]!.versions).toBe('b/versions');
    expect(bare.assumptions[1]).toMatch(/^2 other Alembic setups not analysed \(c\/versions, a\/deep\/er\/versions\)/);
  });

  it('takes the models env.py imports for target_metadata, from two packages, and not a __tablename__ file it does not import', async () => {
    const config = await discoverConfig(
      await committedFiles({
        'alembic.ini': '[alembic]\nscript_location = migrations\n',
        'migrations/env.py': [
          'from alembic import context',
          'from sqlalchemy import MetaData',
          'try:',
          '    from billing.models import Base as BillingBase',
          'except ImportError:  # "import nothing.here"',
          '    raise',
          'import inventory.tables',
          "from settings import DEBUG  # the project's own module, but no models",
          '',
          'target_metadata = [BillingBase.metadata, inventory.tables.Base.metadata]',
          '',
        ].join('\n'),
        'migrations/versions/0001_init.py': revisionFile('0001', null),
        // billing/ is a namespace package (no __init__.py): still imported from the root as billing.models.
        // The package re-exports its models from a submodule: the package is what is imported.
        'billing/models/__init__.py': 'from billing.models.invoice import Base, Invoice\n',
        'billing/models/invoice.py': 'class Invoice(Base):\n    __tablename__ = "invoices"\n',
        'inventory/__init__.py': '',
        'inventory/tables.py': 'class Item(Base):\n    @declared_attr\n    def __tablename__(cls):\n        return "items"\n',
        'legacy/old_models.py': 'class Old(Base):\n    __tablename__ = "old"\n',
        'settings.py': 'DEBUG = True\n',
      }),
    );
    expect(config.databases[0]!.models).toEqual(['billing/models/__init__.py', 'inventory/tables.py']);
    expect(config.python.paths).toEqual(['.']);
    expect(config.assumptions[1]).toBe(
      'models: the modules migrations/env.py imports for target_metadata: billing/models/__init__.py, inventory/tables.py, imported from the repository root',
    );
  });

  it('looks env.py’s imports up under the roots a src/ layout needs', async () => {
    const config = await discoverConfig(
      await committedFiles({
        'alembic.ini': '[alembic]\nscript_location = migrations\nprepend_sys_path = src\n',
        'migrations/env.py': 'from app.models import Base\ntarget_metadata = Base.metadata\n',
        'migrations/versions/0001_init.py': revisionFile('0001', null),
        'src/app/__init__.py': '',
        'src/app/models.py': 'class A(Base):\n    __tablename__ = "a"\n',
        'src/app/unused.py': 'class B(Base):\n    __tablename__ = "b"\n',
      }),
    );
    expect(config.databases[0]!.models).toEqual(['src/app/models.py']);
    expect(config.python.paths).toEqual(['src', '.']);
  });

  it('falls back to the __tablename__ grep when env.py sets target_metadata = None, and counts declared_attr table names', async () => {
    const config = await discoverConfig(
      await committedFiles({
        'migrations/env.py': 'from app import models\ntarget_metadata = None\n',
        'migrations/versions/0001_init.py': revisionFile('0001', null),
        'app/__init__.py': '',
        'app/models.py': 'class Item(Base):\n    @classmethod\n    @declared_attr.directive\n    def __tablename__(cls) -> str:\n        return "items"\n',
        'app/other.py': 'class Other(Base):\n    __tablename__ = "other"\n',
        'app/words.py': 'def __tablename__():\n    pass\n',
      }),
    );
    expect(config.databases[0]!.models).toEqual(['app/models.py', 'app/other.py']);
    expect(config.assumptions[1]).toMatch(/^2 model files \(Python files that declare __tablename__\)/);
  });

  it('says what it looked for when there is nothing to analyse', async () => {
    const error = await discoverConfig(
      await committedFiles({ 'README.md': '# hi', 'alembic.ini': '[alembic]\nscript_location = /app/nowhere\n', 'app/models.py': 'class A:\n    __tablename__ = "a"\n' }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe('no Alembic migrations found (looked for alembic.ini and versions/ folders); add .github/driftbot.yml');
    expect((error as ConfigError).path).toBeNull();
  });
});
