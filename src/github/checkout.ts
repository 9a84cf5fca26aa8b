/**
 * The pull request's commits in a local repository, kept per repository and fetched
 * incrementally. The installation token travels in an HTTP header scoped to the one
 * clone URL and given through git's environment (GIT_CONFIG_*), so it is never in argv,
 * on disk, in a remote URL or in a log. When GitHub has a test merge commit, the
 * analysis sees what merging would produce: head is the merge commit and base its
 * first parent.
 *
 * The cache is private (0700) and driftbot owns each clone's `config` and `hooks/`
 * outright: both are reset before every fetch, so nothing planted there (an
 * `insteadOf`, an `sshCommand`, a hook) survives to steer git.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommitRef } from '../report/report.js';
import { git } from '../workspace/git.js';

/** Head comes from a pull request's refs, or from a branch holding headSha (a merge queue's `gh-readonly-queue/…`). */
export type CheckoutRequest = { owner: string; repo: string; baseRef: string; headSha: string } & (
  | { pullRequest: number; headRef?: undefined }
  | { headRef: string; pullRequest?: undefined }
);

export interface CheckoutOptions {
  cacheDir: string;
  /** A template such as `file:///srv/git/{owner}/{repo}.git`; default GitHub's HTTPS URL. */
  cloneUrl: string | null;
  token: string | null;
}

export interface Checkout {
  repoDir: string;
  base: CommitRef;
  head: CommitRef;
}

const locks = new Map<string, Promise<unknown>>();

export async function checkoutPullRequest(request: CheckoutRequest, options: CheckoutOptions): Promise<Checkout> {
  const repoDir = join(options.cacheDir, 'repos', safeName(request.owner), `${safeName(request.repo)}.git`);
  return withLock(repoDir, async () => {
    await mkdir(join(options.cacheDir, 'repos'), { recursive: true, mode: 0o700 });
    // A cache made by an older driftbot, or by hand, may be readable by others.
    await chmod(join(options.cacheDir, 'repos'), 0o700);
    if (!existsSync(repoDir)) {
      await mkdir(repoDir, { recursive: true, mode: 0o700 });
      await git(repoDir, ['init', '--quiet', '--bare']);
    }
    await resetClone(repoDir);
    const url = (options.cloneUrl ?? 'https://github.com/{owner}/{repo}.git').replace('{owner}', request.owner).replace('{repo}', request.repo);
    const env = authEnvironment(url, options.token);
    const fetch = (refspecs: string[]) => git(repoDir, ['fetch', '--quiet', '--no-tags', '--no-recurse-submodules', '--force', url, ...refspecs], { env });
    if (request.headRef !== undefined) {
      // A merge group's branch is already what merging produces: no test merge to look for.
      await fetch([`+refs/heads/${request.baseRef}:refs/driftbot/base/${request.baseRef}`, `+refs/heads/${request.headRef}:refs/driftbot/heads/${request.headRef}`]).catch(
        (error) => {
          throw new Error(`cannot fetch ${request.owner}/${request.repo} (base ${request.baseRef}, branch ${request.headRef}): ${scrub((error as Error).message, options.token)}`);
        },
      );
      const base = (await git(repoDir, ['merge-base', `refs/driftbot/base/${request.baseRef}`, request.headSha])).toString().trim();
      return { repoDir, base: { ref: request.baseRef, sha: base }, head: { ref: request.headRef, sha: request.headSha } };
    }
    const number = request.pullRequest;
    const pull = `refs/pull/${number}`;
    await fetch([`+refs/heads/${request.baseRef}:refs/driftbot/base/${request.baseRef}`, `+${pull}/head:refs/driftbot/pull/${number}/head`]).catch((error) => {
      throw new Error(`cannot fetch ${request.owner}/${request.repo} (base ${request.baseRef}, pull request ${number}): ${scrub((error as Error).message, options.token)}`);
    });
    const merged = await fetch([`+${pull}/merge:refs/driftbot/pull/${number}/merge`]).then(
      () => true,
      () => false,
    );
    const baseTip = (await git(repoDir, ['rev-parse', `refs/driftbot/base/${request.baseRef}`])).toString().trim();
    if (merged) {
      const [mergeSha, firstParent, secondParent] = (await git(repoDir, ['rev-list', '--parents', '-n', '1', `refs/driftbot/pull/${number}/merge`])).toString().trim().split(' ');
      if (secondParent === request.headSha && mergeSha && firstParent) {
        return { repoDir, base: { ref: request.baseRef, sha: firstParent }, head: { ref: `pull/${number}/merge`, sha: mergeSha } };
      }
    }
    const base = (await git(repoDir, ['merge-base', baseTip, request.headSha])).toString().trim();
    return { repoDir, base: { ref: request.baseRef, sha: base }, head: { ref: `pull/${number}/head`, sha: request.headSha } };
  });
}

/** The only configuration a clone has: what `git init --bare` writes, nothing anyone added. */
const CLONE_CONFIG = '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n';

/** Back to what driftbot made: its own config, no hooks, no borrowed object stores. */
async function resetClone(repoDir: string): Promise<void> {
  await writeFile(join(repoDir, 'config'), CLONE_CONFIG, { mode: 0o600 });
  await chmod(join(repoDir, 'config'), 0o600);
  await rm(join(repoDir, 'hooks'), { recursive: true, force: true });
  await rm(join(repoDir, 'objects', 'info', 'alternates'), { force: true });
}

/**
 * Basic auth in a header for HTTPS remotes, for that URL only (`http.<url>.extraHeader`,
 * not `http.extraHeader`: no other URL git is led to gets it); nothing for local ones.
 */
export function authEnvironment(url: string, token: string | null): Record<string, string> {
  if (!token || !url.startsWith('https://')) return {};
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: `http.${url}.extraHeader`, GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` };
}

function scrub(message: string, token: string | null): string {
  return token ? message.split(token).join('***') : message;
}

function safeName(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) throw new Error(`unexpected repository name: ${JSON.stringify(name)}`);
  return name;
}

async function withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(work);
  locks.set(key, next);
  try {
    return await next;
  } finally {
    if (locks.get(key) === next) locks.delete(key);
  }
}
