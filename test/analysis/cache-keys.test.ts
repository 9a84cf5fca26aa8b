/**
 * The keys of cached builds: any input that changes what a build contains changes its
 * key; what does not reach the build (where the tree is, revisions after the built part)
 * does not.
 */
import { describe, expect, it } from 'vitest';
import { historySteps, modelsKey, treeKey, type CacheCommon, type TreeIdentity } from '../../src/analysis/cache-keys.js';
import type { ChainConfig } from '../../src/config/config.js';

const common: CacheCommon = { repository: '/repos/acme', environmentKey: 'env-1', postgresVersion: '17.10' };
const tree: TreeIdentity = {
  blobs: new Map([
    ['api/app/models.py', 'b1'],
    ['api/app/settings.py', 'b2'],
    ['api/migrations/versions/0001_a.py', 'r1'],
    ['api/migrations/versions/0002_b.py', 'r2'],
  ]),
  settings: JSON.stringify([{}, [], {}, ['api'], true]),
};
const revisions = new Set(['api/migrations/versions/0001_a.py', 'api/migrations/versions/0002_b.py']);
const chain: ChainConfig = { versions: 'api/migrations/versions', versionTable: 'alembic_version' } as ChainConfig;
const files = [
  { revision: '0001', downRevisions: [], path: 'api/migrations/versions/0001_a.py', content: 'create a' },
  { revision: '0002', downRevisions: ['0001'], path: 'api/migrations/versions/0002_b.py', content: 'create b' },
];
const keysOf = (t = treeKey(common, tree, revisions), chains = [{ config: chain, files }]) => historySteps(t, chains).map((s) => s.key);

describe('cache keys', () => {
  it('are the same for the same inputs, and one per revision', () => {
    expect(keysOf()).toEqual(keysOf());
    expect(keysOf()).toHaveLength(2);
    expect(new Set(keysOf()).size).toBe(2);
  });

  it('a shorter history that starts the same has the same keys: a longer one finds it', () => {
    const shorter = keysOf(undefined, [{ config: chain, files: files.slice(0, 1) }]);
    expect(keysOf().slice(0, 1)).toEqual(shorter);
  });

  it('an edited revision changes its key and every later one, not earlier ones', () => {
    const edited = keysOf(undefined, [{ config: chain, files: [files[0]!, { ...files[1]!, content: 'create b -- edited' }] }]);
    expect(edited[0]).toBe(keysOf()[0]);
    expect(edited[1]).not.toBe(keysOf()[1]);
    const first = keysOf(undefined, [{ config: chain, files: [{ ...files[0]!, content: 'create a2' }, files[1]!] }]);
    expect(first.filter((k) => keysOf().includes(k))).toEqual([]);
  });

  it('a renamed file, a reordered chain, another version table or folder each change the keys', () => {
    const base = keysOf();
    const variants = [
      [{ config: chain, files: [{ ...files[0]!, path: 'api/migrations/versions/0001_renamed.py' }, files[1]!] }],
      [{ config: chain, files: [files[1]!, files[0]!] }],
      [{ config: { ...chain, versionTable: 'alembic_version_core' }, files }],
      [{ config: { ...chain, versions: 'api/other/versions' }, files }],
      // The same revisions as a second chain after an empty first one.
      [
        { config: { ...chain, versions: 'api/empty' }, files: [] },
        { config: chain, files },
      ],
    ];
    for (const chains of variants) expect(keysOf(undefined, chains).filter((k) => base.includes(k))).toEqual([]);
  });

  it('the environment, the Postgres version, the repository, the settings and any other file of the tree each change the tree key', () => {
    const key = treeKey(common, tree, revisions);
    const changed = [
      treeKey({ ...common, environmentKey: 'env-2' }, tree, revisions),
      treeKey({ ...common, postgresVersion: '16.4' }, tree, revisions),
      treeKey({ ...common, repository: '/repos/other' }, tree, revisions),
      treeKey(common, { ...tree, settings: JSON.stringify([{ APP_MODE: 'test' }, [], {}, ['api'], true]) }, revisions),
      treeKey(common, { ...tree, blobs: new Map([...tree.blobs, ['api/app/settings.py', 'b3']]) }, revisions),
      treeKey(common, { ...tree, blobs: new Map([...tree.blobs, ['api/app/new.py', 'b4']]) }, revisions),
    ];
    for (const other of changed) expect(other).not.toBe(key);
    expect(new Set(changed).size).toBe(changed.length);
  });

  it('revision files count in the history, not in the tree: adding a revision keeps the tree key', () => {
    const more = new Map([...tree.blobs, ['api/migrations/versions/0003_c.py', 'r3']]);
    expect(treeKey(common, { ...tree, blobs: more }, new Set([...revisions, 'api/migrations/versions/0003_c.py']))).toBe(treeKey(common, tree, revisions));
  });

  it('the models key follows the tree, the model files and the extensions the fresh install had', () => {
    const t = treeKey(common, tree, revisions);
    const key = modelsKey(t, ['api/app/models.py'], []);
    expect(modelsKey(t, ['api/app/models.py'], [])).toBe(key);
    expect(modelsKey(t, ['api/app/models.py', 'api/app/more.py'], [])).not.toBe(key);
    expect(modelsKey(t, ['api/app/models.py'], [{ name: 'citext', schema: 'public' }])).not.toBe(key);
    expect(modelsKey(treeKey({ ...common, environmentKey: 'env-2' }, tree, revisions), ['api/app/models.py'], [])).not.toBe(key);
  });
});
