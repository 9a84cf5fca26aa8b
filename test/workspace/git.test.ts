import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitFixture } from '../../demo/git-fixture.js';
import { changedFiles, defaultBaseRef, listFiles, materialize, resolveCommit } from '../../src/workspace/git.js';
import { repoFilesAt } from '../../src/workspace/repo-files.js';

async function repo(): Promise<GitFixture> {
  return GitFixture.create(await mkdtemp(join(tmpdir(), 'driftbot-test-git-')));
}

describe('git workspace', () => {
  it('materializes just the asked paths of a commit without touching the work tree, index or HEAD', async () => {
    const r = await repo();
    await r.commit('one', { 'a/x.py': 'x1', 'a/sub/y.py': 'y1', 'b/z.py': 'z1' });
    const first = await r.git('rev-parse', 'HEAD');
    await r.commit('two', { 'a/x.py': 'x2' });
    await r.commit('dirty work tree', {});
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(r.dir, 'a/x.py'), 'uncommitted');
    const status = await r.git('status', '--porcelain');
    const dest = await mkdtemp(join(tmpdir(), 'driftbot-test-tree-'));
    await materialize(r.dir, first, ['a'], dest);
    expect(await readFile(join(dest, 'a/x.py'), 'utf8')).toBe('x1');
    expect(await readFile(join(dest, 'a/sub/y.py'), 'utf8')).toBe('y1');
    expect(await readdir(dest)).toEqual(['a']);
    expect(await readFile(join(r.dir, 'a/x.py'), 'utf8')).toBe('uncommitted');
    expect(await r.git('status', '--porcelain')).toBe(status);
    expect(await r.git('rev-parse', 'HEAD')).not.toBe(first);
  });

  it('resolves refs, finds the merge-base with main, lists renames, and refuses option-like refs', async () => {
    const r = await repo();
    const base = await r.commit('base', { 'v/1.py': 'a' });
    await r.branch('feature');
    const head = await r.commit('rename', { 'v/1.py': null, 'v/1_renamed.py': 'a', 'v/2.py': 'b' });
    expect(await resolveCommit(r.dir, 'feature')).toBe(head);
    expect(await defaultBaseRef(r.dir, head)).toEqual({ ref: 'main', sha: base });
    expect(await changedFiles(r.dir, base, head)).toEqual([
      { status: 'R', path: 'v/1_renamed.py', oldPath: 'v/1.py' },
      { status: 'A', path: 'v/2.py', oldPath: null },
    ]);
    await expect(resolveCommit(r.dir, '--output=/tmp/x')).rejects.toThrow(/not a valid git ref/);
    await expect(resolveCommit(r.dir, 'nope')).rejects.toThrow('unknown git ref "nope"');
  });

  it('handles thousands of files, and greps without a read per file', async () => {
    const r = await repo();
    const many: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) many[`pkg/m${i}.py`] = i === 1234 ? '__tablename__ = "x"' : 'pass';
    const sha = await r.commit('many', many);
    expect(await listFiles(r.dir, sha)).toHaveLength(3000);
    const files = await repoFilesAt(r.dir, sha);
    expect(await files.containing('__tablename__')).toEqual(['pkg/m1234.py']);
    expect(await files.read('pkg/m1.py')).toBe('pass');
    expect(await files.read('missing.py')).toBeNull();
  });
});
