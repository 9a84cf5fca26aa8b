import { describe, expect, it } from 'vitest';
import { importedFiles, logicalLines, metadataFiles, namesMetadata, readEnvPy } from '../../src/config/env-py.js';

const ENV_PY = `"""Alembic env.py.

import fake.in_docstring
"""
import os, sys  # import fake.in_comment
import app.db.base
from logging.config import fileConfig
from sqlalchemy import (
    engine_from_config,
    pool,  # from fake import in_parens
)
from alembic import context
from billing.models import Invoice as _Invoice, Payment
from inventory import models as inventory_models
from . import helpers
from .local_models import *
x = 1; import extra.after_semicolon
message = "from fake.in_string import x"
other = 'import fake.single'
path = r"\\import fake.raw"
long = 1 + \\
    2
try:
    from optional.models import Thing
except ImportError:
    import fallback.models
if os.environ.get("X"):
    import conditional.models
else:
    pass


def run_migrations_online():
    import inside.function


class Holder:
    import inside.klass


target_metadata = [app.db.base.Base.metadata, inventory_models.Base.metadata]
`;

describe('readEnvPy', () => {
  it('finds module-level imports (plain, from, aliased, parenthesised, in try/if blocks, after ;) and nothing inside strings, comments, functions or classes', () => {
    const facts = readEnvPy(ENV_PY);
    expect(facts.imports).toEqual([
      { module: 'os', name: null, binds: 'os' },
      { module: 'sys', name: null, binds: 'sys' },
      { module: 'app.db.base', name: null, binds: 'app' },
      { module: 'logging.config', name: 'fileConfig', binds: 'fileConfig' },
      { module: 'sqlalchemy', name: 'engine_from_config', binds: 'engine_from_config' },
      { module: 'sqlalchemy', name: 'pool', binds: 'pool' },
      { module: 'alembic', name: 'context', binds: 'context' },
      { module: 'billing.models', name: 'Invoice', binds: '_Invoice' },
      { module: 'billing.models', name: 'Payment', binds: 'Payment' },
      { module: 'inventory', name: 'models', binds: 'inventory_models' },
      { module: '.', name: 'helpers', binds: 'helpers' },
      { module: '.local_models', name: '*', binds: '*' },
      { module: 'extra.after_semicolon', name: null, binds: 'extra' },
      { module: 'optional.models', name: 'Thing', binds: 'Thing' },
      { module: 'fallback.models', name: null, binds: 'fallback' },
      { module: 'conditional.models', name: null, binds: 'conditional' },
    ]);
    expect(facts.targetMetadata).toEqual(['[app.db.base.Base.metadata, inventory_models.Base.metadata]']);
    expect(namesMetadata(facts)).toBe(true);
  });

  it('reads each form of target_metadata, and None names no models', () => {
    expect(readEnvPy('from app.models import Base\ntarget_metadata = Base.metadata\n').targetMetadata).toEqual(['Base.metadata']);
    expect(readEnvPy('from sqlmodel import SQLModel\ntarget_metadata: MetaData = SQLModel.metadata  # models\n').targetMetadata).toEqual(['SQLModel.metadata']);
    expect(readEnvPy('target_metadata = [\n    a.metadata,\n    b.metadata,\n]\n').targetMetadata).toEqual(['[ a.metadata, b.metadata, ]']);
    const none = readEnvPy("# add your model's MetaData object here\ntarget_metadata = None\n");
    expect(none.targetMetadata).toEqual(['None']);
    expect(namesMetadata(none)).toBe(false);
    expect(namesMetadata(readEnvPy('import app.models\n'))).toBe(false);
  });

  it('keeps a triple-quoted string with quotes and escapes inside as one blank string', () => {
    expect(logicalLines('x = """a "quoted" \\"""\nimport b\n"""\nimport y\n')).toEqual([
      { indent: 0, text: 'x = ""' },
      { indent: 0, text: 'import y' },
    ]);
  });
});

describe('importedFiles', () => {
  const paths = [
    'migrations/env.py',
    'migrations/helpers.py',
    'migrations/local_models.py',
    'svc/app/__init__.py',
    'svc/app/db/__init__.py',
    'svc/app/db/base.py',
    'billing/models/__init__.py',
    'billing/models/invoice.py',
    'inventory/__init__.py',
    'inventory/models.py',
    'optional/models.py',
  ];

  it('maps modules to files under the import roots (module or package), relative imports to env.py’s folder, and installed packages to nothing', () => {
    const files = importedFiles(readEnvPy(ENV_PY), 'migrations/env.py', ['svc', '.'], paths);
    expect(files).toEqual([
      'svc/app/db/base.py',
      'billing/models/__init__.py',
      'inventory/__init__.py',
      'inventory/models.py',
      'migrations/helpers.py',
      'migrations/local_models.py',
      'optional/models.py',
    ]);
  });

  it('keeps, for target_metadata, the imports that bind its names and star imports', () => {
    expect(metadataFiles(readEnvPy(ENV_PY), 'migrations/env.py', ['svc', '.'], paths)).toEqual([
      'svc/app/db/base.py',
      'inventory/__init__.py',
      'inventory/models.py',
      'migrations/local_models.py',
    ]);
  });
});
