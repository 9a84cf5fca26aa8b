/**
 * The pull request's commits in a local repository, kept per repository and fetched
 * incrementally. The installation token travels in an HTTP header given through git's
 * environment (GIT_CONFIG_*), so it is never written to disk, to a remote URL or to a
 * log. When GitHub has a test merge commit, the analysis sees what merging would
 * produce: head is the merge commit and base its first parent.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommitRef } from '../analysis/report.js';
import { git } from '../workspace/git.js';

export interface CheckoutRequest {
  owner: string;
  repo: string;
  number: number;
  baseRef: string;
  headSha: string;
}

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
    if (!existsSync(repoDir)) {
      await mkdir(repoDir, { recursive: true });
      await git(repoDir, ['init', '--quiet', '--bare']);
    }
    const url = (options.cloneUrl ?? 'https://github.com/{owner}/{repo}.git').replace('{owner}', request.owner).replace('{repo}', request.repo);
    const env = authEnvironment(url, options.token);
    const fetch = (refspecs: string[]) => git(repoDir, ['fetch', '--quiet', '--no-tags', '--force', url, ...refspecs], { env });
    const pull = `refs/pull/${request.number}`;
    await fetch([`+refs/heads/${request.baseRef}:refs/driftbot/base/${request.baseRef}`, `+${pull}/head:refs/driftbot/pull/${request.number}/head`]).catch((error) => {
      throw new Error(`cannot fetch ${request.owner}/${request.repo} (base ${request.baseRef}, pull request ${request.number}): ${scrub((error as Error).message, options.token)}`);
    });
    const merged = await fetch([`+${pull}/merge:refs/driftbot/pull/${request.number}/merge`]).then(
      () => true,
      () => false,
    );
    const baseTip = (await git(repoDir, ['rev-parse', `refs/driftbot/base/${request.baseRef}`])).toString().trim();
    if (merged) {
      const [mergeSha, firstParent, secondParent] = (await git(repoDir, ['rev-list', '--parents', '-n', '1', `refs/driftbot/pull/${request.number}/merge`])).toString().trim().split(' ');
      if (secondParent === request.headSha && mergeSha && firstParent) {
        return { repoDir, base: { ref: request.baseRef, sha: firstParent }, head: { ref: `pull/${request.number}/merge`, sha: mergeSha } };
      }
    }
    const base = (await git(repoDir, ['merge-base', baseTip, request.headSha])).toString().trim();
    return { repoDir, base: { ref: request.baseRef, sha: base }, head: { ref: `pull/${request.number}/head`, sha: request.headSha } };
  });
}

/** Basic auth in a header for HTTPS remotes; nothing for local ones. */
function authEnvironment(url: string, token: string | null): Record<string, string> {
  if (!token || !url.startsWith('https://')) return {};
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` };
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
