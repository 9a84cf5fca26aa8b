import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { committedFiles, revisionFile } from './committed.js';

const VERSIONS = { 'db/versions/0001_init.py': revisionFile('0001', null) };

describe('loadConfig', () => {
  it('reads .github/driftbot.yml and checks it against the commit', async () => {
    const config = await loadConfig(
      await committedFiles({
        ...VERSIONS,
        'app/models.py': 'class A(Base):\n    __tablename__ = "a"\n',
        '.github/driftbot.yml': 'databases:\n  - chains: [{ versions: db/versions }]\n    models: ["app/*.py"]\n',
      }),
    );
    expect(config.source).toBe('.github/driftbot.yml');
    expect(config.databases[0]!.chains).toEqual([{ versions: 'db/versions', versionTable: 'alembic_version', schema: null }]);
    expect(config.warnings).toEqual([]);
  });

  it('takes a database’s models from its chains’ env.py when the file lists none, and none when it lists []', async () => {
    const files = {
      'svc/migrations/versions/0001_init.py': revisionFile('0001', null),
      'svc/migrations/env.py': 'from app.db import Base\nimport app.orders  # noqa\ntarget_metadata = Base.metadata\n',
      'svc/app/__init__.py': '',
      'svc/app/db.py': 'Base = object()\n',
      'svc/app/orders.py': 'class Order(Base):\n    __tablename__ = "orders"\n',
      'svc/app/unused.py': 'class Unused(Base):\n    __tablename__ = "unused"\n',
    };
    const yaml = (models: string) => `databases:\n  - name: core\n    chains: [{ versions: svc/migrations/versions }]\n${models}python:\n  paths: [svc]\n`;
    const omitted = await loadConfig(await committedFiles({ ...files, '.github/driftbot.yml': yaml('') }));
    expect(omitted.databases[0]!.models).toEqual(['svc/app/db.py', 'svc/app/orders.py']);
    expect(omitted.assumptions).toEqual(['core: models: the modules svc/migrations/env.py imports for target_metadata: svc/app/db.py, svc/app/orders.py']);
    const none = await loadConfig(await committedFiles({ ...files, '.github/driftbot.yml': yaml('    models: []\n') }));
    expect(none.databases[0]!.models).toEqual([]);
    expect(none.assumptions).toEqual([]);
  });

  it('checks a configuration given outside the repository (--config) against the commit too', async () => {
    const files = await committedFiles({ ...VERSIONS });
    const error = await loadConfig(files, { path: '/tmp/elsewhere.yml', text: 'databases:\n  - chains: [{ versions: db/versoins }]\n' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('/tmp/elsewhere.yml:2:');
    expect((error as ConfigError).message).toContain('folder "db/versoins" does not exist in this commit');
  });

  it('names the key, its place and the folder when a chain’s versions folder does not exist', async () => {
    const files = await committedFiles({
      ...VERSIONS,
      '.github/driftbot.yml': 'databases:\n  - name: core\n    chains:\n      - versions: db/versions\n      - versions: db/versoins\n',
    });
    const error = await loadConfig(files).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe('.github/driftbot.yml:5:19: databases[0].chains[1].versions: folder "db/versoins" does not exist in this commit');
  });

  it('warns, with the place, about a models glob that matches no file', async () => {
    const config = await loadConfig(
      await committedFiles({
        ...VERSIONS,
        'app/models.py': '',
        '.github/driftbot.yml': 'databases:\n  - chains: [{ versions: db/versions }]\n    models:\n      - app/models.py\n      - app/**/dbes.py\n',
      }),
    );
    expect(config.databases[0]!.models).toEqual(['app/models.py', 'app/**/dbes.py']);
    expect(config.warnings).toEqual(['.github/driftbot.yml:5:9: databases[0].models[1]: "app/**/dbes.py" matches no file in this commit; no models are compared for it']);
  });

  it('reads .github/driftbot.yaml too, and says which one wins when both exist', async () => {
    const yaml = 'databases:\n  - name: from_yaml\n    chains: [{ versions: db/versions }]\n';
    const onlyYaml = await loadConfig(await committedFiles({ ...VERSIONS, '.github/driftbot.yaml': yaml }));
    expect([onlyYaml.source, onlyYaml.databases[0]!.name]).toEqual(['.github/driftbot.yaml', 'from_yaml']);

    const both = await loadConfig(await committedFiles({ ...VERSIONS, '.github/driftbot.yaml': yaml, '.github/driftbot.yml': yaml.replace('from_yaml', 'from_yml') }));
    expect([both.source, both.databases[0]!.name]).toEqual(['.github/driftbot.yml', 'from_yml']);
    expect(both.warnings).toEqual(['.github/driftbot.yaml is ignored: .github/driftbot.yml is read instead']);
  });

  it('discovers when there is no configuration file', async () => {
    const config = await loadConfig(await committedFiles({ 'alembic.ini': '[alembic]\nscript_location = db\n', ...VERSIONS }));
    expect(config.source).toBe('discovered');
    expect(config.databases[0]!.chains[0]!.versions).toBe('db/versions');
  });

  it('reports a broken configuration file rather than falling back to discovery', async () => {
    const files = await committedFiles({ ...VERSIONS, '.github/driftbot.yml': 'databases:\n  - chains: [{ versions: db/versions, table: x }]\n' });
    await expect(loadConfig(files)).rejects.toThrow('.github/driftbot.yml:2:39: databases[0].chains[0].table: unknown key');
  });
});
