import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitFixture } from '../../demo/git-fixture.js';
import { changedFiles, defaultBaseRef, listFiles, materialize, readFileAt, resolveCommit, shortSha } from '../../src/workspace/git.js';
import { repoFilesAt } from '../../src/workspace/repo-files.js';

/** Fixtures are `driftbot-test-*`: the suite's teardown removes them. */
async function tempDir(purpose: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `driftbot-test-${purpose}-`));
}

async function repo(defaultBranch = 'main'): Promise<GitFixture> {
  return GitFixture.create(await tempDir('git'), defaultBranch);
}

async function fileHash(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** Everything that says what the user has checked out and staged. */
async function userState(r: GitFixture): Promise<string[]> {
  return [await r.git('rev-parse', 'HEAD'), await r.git('symbolic-ref', 'HEAD'), await r.git('status', '--porcelain'), await fileHash(join(r.dir, '.git', 'index'))];
}

describe('resolveCommit', () => {
  it('gives the full sha of a branch, a tag or a short sha', async () => {
    const r = await repo();
    const sha = await r.commit('one', { 'a.txt': 'a' });
    await r.git('tag', 'v1');
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await resolveCommit(r.dir, 'main')).toBe(sha);
    expect(await resolveCommit(r.dir, 'v1')).toBe(sha);
    expect(await resolveCommit(r.dir, sha.slice(0, 10))).toBe(sha);
    expect(shortSha(sha)).toBe(sha.slice(0, 7));
  });

  it('names the unknown ref and the repository, and refuses refs that look like options', async () => {
    const r = await repo();
    await r.commit('one', { 'a.txt': 'a' });
    await expect(resolveCommit(r.dir, 'no-such-branch')).rejects.toThrow(`unknown git ref "no-such-branch" in ${r.dir}`);
    await expect(resolveCommit(r.dir, '--output=/tmp/x')).rejects.toThrow('not a valid git ref: "--output=/tmp/x"');
    await expect(resolveCommit(r.dir, '')).rejects.toThrow(/not a valid git ref/);
    const notRepo = await tempDir('plain');
    await expect(resolveCommit(notRepo, 'HEAD')).rejects.toThrow(`${notRepo} is not a git repository`);
  });

  it('ignores GIT_DIR from a git hook: the repository is the one asked for', async () => {
    const asked = await repo();
    const sha = await asked.commit('one', { 'a.txt': 'a' });
    const other = await repo();
    await other.commit('other', { 'b.txt': 'b' });
    process.env.GIT_DIR = join(other.dir, '.git');
    try {
      expect(await resolveCommit(asked.dir, 'HEAD')).toBe(sha);
    } finally {
      delete process.env.GIT_DIR;
    }
  });
});

describe('defaultBaseRef', () => {
  it('is the merge-base of main and head', async () => {
    const r = await repo();
    const base = await r.commit('base', { 'a.txt': 'a' });
    await r.branch('feature');
    const head = await r.commit('feature work', { 'b.txt': 'b' });
    await r.checkout('main');
    await r.commit('main moves on', { 'c.txt': 'c' });
    expect(await defaultBaseRef(r.dir, head)).toEqual({ ref: 'main', sha: base });
  });

  it('prefers origin/HEAD to a local main that moved elsewhere', async () => {
    const origin = await repo();
    const shared = await origin.commit('shared', { 'a.txt': 'a' });
    const cloneDir = await tempDir('clone');
    await origin.git('clone', '-q', origin.dir, cloneDir);
    const clone = await GitFixture.open(cloneDir);
    const localMain = await clone.commit('local main, not pushed', { 'local.txt': 'x' });
    await clone.branch('feature');
    const head = await clone.commit('feature', { 'f.txt': 'f' });
    expect(await defaultBaseRef(clone.dir, head)).toEqual({ ref: 'origin/HEAD', sha: shared });
    expect(localMain).not.toBe(shared);
  });

  it('falls back to master, and says so when there is no base at all', async () => {
    const r = await repo('master');
    const base = await r.commit('base', { 'a.txt': 'a' });
    await r.branch('feature');
    const head = await r.commit('feature', { 'b.txt': 'b' });
    expect(await defaultBaseRef(r.dir, head)).toEqual({ ref: 'master', sha: base });

    const trunk = await repo('trunk');
    const only = await trunk.commit('only', { 'a.txt': 'a' });
    await expect(defaultBaseRef(trunk.dir, only)).rejects.toThrow(/none of origin\/HEAD, main or master .*\(pass --base\)/);
  });
});

describe('reading a commit without a checkout', () => {
  it('lists every path, including odd names, and reads files at that commit', async () => {
    const r = await repo();
    const first = await r.commit('one', { 'a/b/c.py': 'c1', 'with space.txt': 's', 'ünï/cödé.py': 'u', 'new\nline.txt': 'n' });
    await r.commit('two', { 'a/b/c.py': 'c2' });
    expect((await listFiles(r.dir, first)).sort()).toEqual(['a/b/c.py', 'new\nline.txt', 'with space.txt', 'ünï/cödé.py']);
    expect((await readFileAt(r.dir, first, 'a/b/c.py'))?.toString()).toBe('c1');
    expect((await readFileAt(r.dir, first, 'ünï/cödé.py'))?.toString()).toBe('u');
    expect(await readFileAt(r.dir, first, 'missing.py')).toBeNull();
    expect(await readFileAt(r.dir, first, 'a/b')).toBeNull();
  });

  it('names the repository and git’s message when git fails', async () => {
    const r = await repo();
    await r.commit('one', { 'a.txt': 'a' });
    const unknown = 'f'.repeat(40);
    await expect(listFiles(r.dir, unknown)).rejects.toThrow(new RegExp(`^git ls-tree failed in ${r.dir}: fatal: not a tree object`));
    await expect(readFileAt(r.dir, unknown, 'a.txt')).rejects.toThrow(`cannot read a.txt in ${r.dir}: no commit ${unknown} there`);
    await expect(listFiles(r.dir, '-q')).rejects.toThrow(/not a valid git ref/);
  });

  it('lists additions, modifications, deletions and renames between two commits', async () => {
    const r = await repo();
    const body = `revision = "0001"\ndown_revision = None\n\n${'def upgrade():\n    pass\n'.repeat(20)}`;
    const base = await r.commit('base', { 'v/0001_init.py': body, 'v/0002.py': 'two', 'v/gone.py': 'gone' });
    const head = await r.commit('head', { 'v/0001_init.py': null, 'v/0001_initial.py': body, 'v/0002.py': 'two, edited', 'v/gone.py': null, 'v/0003.py': 'three' });
    const changes = await changedFiles(r.dir, base, head);
    expect(changes.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { status: 'R', path: 'v/0001_initial.py', oldPath: 'v/0001_init.py' },
      { status: 'M', path: 'v/0002.py', oldPath: null },
      { status: 'A', path: 'v/0003.py', oldPath: null },
      { status: 'D', path: 'v/gone.py', oldPath: null },
    ]);
    expect(await changedFiles(r.dir, head, head)).toEqual([]);
  });

  it('handles 3,000 files: listed, changed, grepped and written without buffer limits', async () => {
    const r = await repo();
    const many: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) many[`pkg/sub${i % 10}/module_with_a_fairly_long_name_${i}.py`] = i === 1234 ? 'class A:\n    __tablename__ = "a"\n' : `x = ${i}\n`;
    const base = await r.commit('many', many);
    const edited: Record<string, string> = {};
    for (const path of Object.keys(many)) edited[path] = `${many[path]}# edited\n`;
    const head = await r.commit('edit them all', edited);

    expect((await listFiles(r.dir, head)).length).toBe(3000);
    const changes = await changedFiles(r.dir, base, head);
    expect(changes.length).toBe(3000);
    expect(changes.every((c) => c.status === 'M')).toBe(true);

    const files = await repoFilesAt(r.dir, head);
    expect(await files.containing('__tablename__')).toEqual(['pkg/sub4/module_with_a_fairly_long_name_1234.py']);
    expect(await files.containing('no such text anywhere')).toEqual([]);

    const dest = await tempDir('many');
    await materialize(r.dir, base, ['.'], dest);
    expect((await readdir(join(dest, 'pkg'))).length).toBe(10);
    expect((await readdir(join(dest, 'pkg', 'sub7'))).length).toBe(300);
    expect(await readFile(join(dest, 'pkg/sub9/module_with_a_fairly_long_name_2999.py'), 'utf8')).toBe('x = 2999\n');
  });
});

describe('materialize', () => {
  it('writes just the asked files and folders of a commit, leaving work tree, index and HEAD alone', async () => {
    const r = await repo();
    const first = await r.commit('one', { 'a/x.py': 'x1', 'a/sub/y.py': 'y1', 'b/z.py': 'z1', 'c/only.py': 'c1', 'top.txt': 't1' });
    await r.commit('two', { 'a/x.py': 'x2', 'b/z.py': 'z2' });
    await r.branch('feature');
    // The user is mid-work: an unstaged edit, a staged edit, an untracked file.
    await writeFile(join(r.dir, 'a/x.py'), 'uncommitted');
    await writeFile(join(r.dir, 'b/z.py'), 'staged');
    await r.git('add', 'b/z.py');
    await writeFile(join(r.dir, 'untracked.txt'), 'u');
    const before = await userState(r);

    const dest = await tempDir('tree');
    await materialize(r.dir, first, ['a', 'top.txt', 'c/only.py'], dest);

    expect((await readdir(dest)).sort()).toEqual(['a', 'c', 'top.txt']);
    expect(await readFile(join(dest, 'a/x.py'), 'utf8')).toBe('x1');
    expect(await readFile(join(dest, 'a/sub/y.py'), 'utf8')).toBe('y1');
    expect(await readFile(join(dest, 'top.txt'), 'utf8')).toBe('t1');
    expect(await userState(r)).toEqual(before);
    expect(await readFile(join(r.dir, 'a/x.py'), 'utf8')).toBe('uncommitted');
    expect(await readFile(join(r.dir, 'b/z.py'), 'utf8')).toBe('staged');
  });

  it('works from a bare repository, into a relative destination', async () => {
    const r = await repo();
    const sha = await r.commit('one', { 'm/versions/0001.py': 'rev' });
    const bare = await tempDir('bare');
    await r.git('clone', '-q', '--bare', r.dir, bare);
    const parent = await tempDir('relative');
    const cwd = process.cwd();
    process.chdir(parent);
    try {
      await materialize(bare, sha, ['m/versions/'], 'out');
    } finally {
      process.chdir(cwd);
    }
    expect(await readFile(join(parent, 'out/m/versions/0001.py'), 'utf8')).toBe('rev');
  });

  it('names a path the commit does not have', async () => {
    const r = await repo();
    const sha = await r.commit('one', { 'a/x.py': 'x' });
    await expect(materialize(r.dir, sha, ['a', 'nope/versions'], await tempDir('tree'))).rejects.toThrow(`cannot write "nope/versions" of ${shortSha(sha)} from ${r.dir}`);
  });
});

describe('repoFilesAt', () => {
  it('lists once and reads lazily, at the commit asked for, not the work tree', async () => {
    const r = await repo();
    const first = await r.commit('one', { '.github/driftbot.yml': 'databases: []\n', 'app/models.py': 'v1' });
    await r.commit('two', { 'app/models.py': 'v2' });
    await writeFile(join(r.dir, 'app/models.py'), 'work tree');
    const files = await repoFilesAt(r.dir, first);
    expect(files.paths).toEqual(['.github/driftbot.yml', 'app/models.py']);
    expect(await files.read('app/models.py')).toBe('v1');
    expect(await files.read('app/missing.py')).toBeNull();
    expect(await files.containing('v1')).toEqual(['app/models.py']);
  });
});
