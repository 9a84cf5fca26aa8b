/**
 * Git that repository content cannot steer: hooks and config planted in the cache's
 * bare clone, the operator's own GIT_* variables and ~/.gitconfig, and the installation
 * token. Real repositories, real git; a `git` first on PATH records each invocation's
 * argv and environment before handing over to the real one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitFixture } from '../../demo/git-fixture.js';
import { checkoutPullRequest, type CheckoutRequest } from '../../src/github/checkout.js';
import { materialize } from '../../src/workspace/git.js';

let root: string;
let origin: GitFixture;
let decoy: GitFixture;
let marker: string;
let cacheDir: string;
const request: CheckoutRequest = { owner: 'o', repo: 'r', pullRequest: 1, baseRef: 'main', headSha: '' };
const cloneDir = () => join(cacheDir, 'repos', 'o', 'r.git');
const url = () => `file://${join(root, 'git')}/o/r`;

interface Invocation {
  argv: string;
  env: Record<string, string>;
}

/** Runs `work` with a recording `git` first on PATH; returns what each git was given. */
async function observed(work: () => Promise<unknown>): Promise<{ result: PromiseSettledResult<unknown>; calls: Invocation[] }> {
  const bin = join(root, 'bin');
  const log = join(root, `git-${Math.random()}.log`);
  await mkdir(bin, { recursive: true });
  const realGit = execFileSync('sh', ['-c', 'command -v git']).toString().trim();
  await writeFile(
    join(bin, 'git'),
    `#!/bin/sh\n{ printf 'argv'; printf ' %s' "$@"; printf '\\n'; env | sed 's/^/env /'; printf 'end\\n'; } >> '${log}'\nexec '${realGit}' "$@"\n`,
    { mode: 0o755 },
  );
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  const [result] = await Promise.allSettled([work()]).finally(() => {
    process.env.PATH = path;
  });
  const text = existsSync(log) ? await readFile(log, 'utf8') : '';
  const calls = text
    .split('end\n')
    .filter(Boolean)
    .map((block) => {
      const lines = block.split('\n');
      const env = Object.fromEntries(lines.filter((l) => l.startsWith('env ')).map((l) => [l.slice(4, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      return { argv: lines[0]!, env };
    });
  return { result: result!, calls };
}

/** A new head for pull request 1 in the origin, so that the next checkout really fetches. */
async function push(): Promise<string> {
  const sha = await origin.commit(`push ${Math.random()}`, { [`notes/${Date.now()}-${Math.random()}.txt`]: 'x\n' });
  await origin.git('update-ref', 'refs/pull/1/head', sha);
  return sha;
}

async function checkout(token: string | null = null, cloneUrl = `file://${join(root, 'git')}/{owner}/{repo}`) {
  return checkoutPullRequest(request, { cacheDir, cloneUrl, token });
}

async function plantHook(name: string): Promise<void> {
  await mkdir(join(cloneDir(), 'hooks'), { recursive: true });
  await writeFile(join(cloneDir(), 'hooks', name), `#!/bin/sh\necho ${name} >> '${marker}'\n`, { mode: 0o755 });
}

async function plantConfig(key: string, value: string): Promise<void> {
  execFileSync('git', ['config', '--file', join(cloneDir(), 'config'), '--add', key, value]);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'driftbot-test-git-hardening-'));
  origin = await GitFixture.create(join(root, 'git', 'o', 'r'));
  await origin.commit('base', { 'a.txt': 'a\n' });
  await origin.branch('feature');
  await origin.git('update-ref', 'refs/pull/1/head', await origin.commit('feature', { 'b.txt': 'b\n' }));
  await origin.checkout('main');
  // Another repository with a pull request 1 of its own: where a redirect would lead.
  decoy = await GitFixture.create(join(root, 'decoy'));
  await decoy.commit('decoy base', { 'evil.txt': 'evil\n' });
  await decoy.git('update-ref', 'refs/pull/1/head', await decoy.commit('decoy head', { 'evil2.txt': 'evil\n' }));
});

beforeEach(async () => {
  cacheDir = await mkdtemp(join(root, 'cache-'));
  marker = join(root, `marker-${Math.random()}`);
  request.headSha = await origin.git('rev-parse', 'refs/pull/1/head');
  await checkout();
  request.headSha = await push();
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a bare clone in the cache', () => {
  it('is private: the cache folders are 0700', async () => {
    expect((await stat(join(cacheDir, 'repos'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(cacheDir, 'repos', 'o'))).mode & 0o777).toBe(0o700);
    expect((await stat(cloneDir())).mode & 0o077).toBe(0);
  });

  it('runs none of the hooks planted in it on the next fetch, and they are gone', async () => {
    for (const hook of ['reference-transaction', 'post-fetch', 'post-checkout', 'post-index-change']) await plantHook(hook);
    const result = await checkout();
    expect(result.head.sha).toBe(request.headSha);
    await materialize(result.repoDir, result.head.sha, ['.'], join(root, `tree-${Math.random()}`));
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(cloneDir(), 'hooks', 'reference-transaction'))).toBe(false);
  });

  it('is not redirected by an url.*.insteadOf planted in its config', async () => {
    await plantConfig(`url.file://${decoy.dir}.insteadOf`, url());
    const result = await checkout();
    expect(result.head.sha).toBe(request.headSha);
    // Nothing of the decoy came in.
    expect(hasObject(cloneDir(), await decoy.git('rev-parse', 'refs/pull/1/head'))).toBe(false);
    expect(hasObject(cloneDir(), request.headSha)).toBe(true);
  });

  it('runs no core.sshCommand or core.fsmonitor planted in its config, even with an insteadOf to ssh', async () => {
    const script = join(root, `fsmonitor-${Math.random()}.sh`);
    await writeFile(script, `#!/bin/sh\necho fsmonitor >> '${marker}'\n`, { mode: 0o755 });
    await plantConfig('url.ssh://git@evil.invalid/x.insteadOf', url());
    await plantConfig('core.sshCommand', `sh -c 'echo ssh >> ${marker}'`);
    await plantConfig('core.fsmonitor', script);
    const result = await checkout();
    expect(result.head.sha).toBe(request.headSha);
    await materialize(result.repoDir, result.head.sha, ['.'], join(root, `tree-${Math.random()}`));
    expect(existsSync(marker)).toBe(false);
    const config = await readFile(join(cloneDir(), 'config'), 'utf8');
    expect(config).not.toMatch(/insteadOf|sshCommand|fsmonitor/i);
  });
});

describe('the operator’s environment', () => {
  it('GIT_DIR, GIT_CONFIG_PARAMETERS, GIT_CONFIG_GLOBAL and ~/.gitconfig in driftbot’s own environment never reach git', async () => {
    const home = join(root, 'home');
    await mkdir(home, { recursive: true });
    await writeFile(join(home, '.gitconfig'), `[url "file://${decoy.dir}"]\n\tinsteadOf = ${url()}\n`);
    const planted = {
      GIT_DIR: join(decoy.dir, '.git'),
      GIT_CONFIG_PARAMETERS: `'url.ext::sh -c echo% ext% >>% ${marker}.insteadof'='${url()}' 'protocol.ext.allow'='always'`,
      GIT_CONFIG_GLOBAL: join(home, '.gitconfig'),
      HOME: home,
    };
    const saved = Object.fromEntries(Object.keys(planted).map((name) => [name, process.env[name]]));
    Object.assign(process.env, planted);
    let run: Awaited<ReturnType<typeof observed>>;
    try {
      run = await observed(() => checkout());
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    expect(run.result).toMatchObject({ status: 'fulfilled', value: { head: { sha: request.headSha } } });
    expect(existsSync(marker)).toBe(false);
    // The decoy's refs are untouched: no git wrote to it.
    expect(await decoy.git('for-each-ref', 'refs/driftbot')).toBe('');
    expect(run.calls.length).toBeGreaterThan(2);
    for (const call of run.calls) {
      expect(call.env).not.toHaveProperty('GIT_DIR');
      expect(call.env).not.toHaveProperty('GIT_CONFIG_PARAMETERS');
      expect(call.env).toMatchObject({ GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', HOME: '/dev/null' });
      expect(call.argv).toContain('-c core.hooksPath=/dev/null -c core.fsmonitor=false -c protocol.allow=never');
    }
  });
});

describe('the installation token', () => {
  it('is sent only as a header scoped to the clone URL: never in argv, in the clone’s config or in the error', async () => {
    const token = 'ghs_S3cretInstallationToken';
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    // Nothing listens on port 9 here: the fetch fails, after git was given everything.
    const run = await observed(() => checkout(token, 'https://127.0.0.1:9/{owner}/{repo}.git'));
    expect(run.result.status).toBe('rejected');
    const message = ((run.result as PromiseRejectedResult).reason as Error).message;
    expect(message).toContain('cannot fetch o/r');
    expect(message).not.toContain(token);
    const fetches = run.calls.filter((call) => / fetch /.test(call.argv));
    expect(fetches.length).toBeGreaterThan(0);
    for (const call of run.calls) {
      expect(call.argv).not.toContain(token);
      expect(call.argv).not.toContain(basic);
      expect(Object.values(call.env).some((value) => value.includes(basic))).toBe(fetches.includes(call));
    }
    expect(fetches[0]!.env).toMatchObject({
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.https://127.0.0.1:9/o/r.git.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    });
    for (const file of await filesUnder(cloneDir())) {
      const content = await readFile(file, 'latin1');
      expect(content.includes(token) || content.includes(basic), file).toBe(false);
    }
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

function hasObject(repo: string, sha: string): boolean {
  try {
    execFileSync('git', ['cat-file', '-e', sha], { cwd: repo, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
