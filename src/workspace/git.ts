/**
 * A thin, safe wrapper over the git CLI: argument arrays (never a shell), refs checked
 * so that none can pass for an option, and errors that name the repository and carry
 * git's own message. Nothing here touches the user's work tree, index or HEAD.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GitError } from '../errors.js';

export { GitError };

interface GitOptions {
  env?: Record<string, string>;
  input?: Buffer;
}

/**
 * git is driven by far more than its arguments: system, global and repository config,
 * hooks, `GIT_*` variables, `core.fsmonitor`, `url.*.insteadOf`, transports that run
 * commands (`ext::`). Repositories driftbot reads belong to pull requests and its
 * operator's shell may be a git hook (`GIT_DIR`, `GIT_INDEX_FILE` set): none of that
 * may choose what runs. So every git starts from an environment built from nothing and
 * with these settings, which outrank every config file.
 */
export const HARDENING_ARGS = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  // Only the transports driftbot uses: https for GitHub, file for DRIFTBOT_CLONE_URL mirrors.
  '-c',
  'protocol.allow=never',
  '-c',
  'protocol.https.allow=always',
  '-c',
  'protocol.file.allow=always',
  '-c',
  'protocol.ext.allow=never',
];

function gitEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // Nothing can exist under /dev/null: no ~/.gitconfig, no XDG config, no credentials file.
    HOME: '/dev/null',
    // English messages, so that "path does not exist" can be told from a real failure.
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

/** Runs git and returns its raw stdout, however large (streams, no maxBuffer). */
export function git(repo: string, args: string[], options: GitOptions = {}): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', [...HARDENING_ARGS, ...args], { cwd: repo, env: gitEnvironment(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    // git may exit before reading all of its input (it failed): the close handler reports that.
    child.stdin.on('error', () => {});
    child.on('error', (error) => reject(new GitError(`cannot run git in ${repo}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) return resolvePromise(Buffer.concat(out));
      const message = Buffer.concat(err).toString('utf8').trim() || `exit code ${code}`;
      reject(new GitError(`git ${args[0]} failed in ${repo}: ${message}`, code));
    });
    child.stdin.end(options.input);
  });
}

/** A ref or sha we pass to git: never empty, never something git could read as an option. */
function checkRef(ref: string): void {
  if (!ref || ref.startsWith('-') || /[\0\n\r]/.test(ref)) throw new GitError(`not a valid git ref: ${JSON.stringify(ref)}`);
}

/** The full sha of the commit a ref names; an error naming the ref when there is none. */
export async function resolveCommit(repo: string, ref: string): Promise<string> {
  checkRef(ref);
  try {
    return (await git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).toString().trim();
  } catch {
    const isRepository = await git(repo, ['rev-parse', '--git-dir']).then(
      () => true,
      () => false,
    );
    throw new GitError(isRepository ? `unknown git ref "${ref}" in ${repo}` : `${repo} is not a git repository (--repo)`);
  }
}

/** docs/contract.md: the merge-base of `origin/HEAD` (else `main`, then `master`) and head. */
export async function defaultBaseRef(repo: string, headSha: string): Promise<{ ref: string; sha: string }> {
  checkRef(headSha);
  for (const ref of ['origin/HEAD', 'main', 'master']) {
    const sha = await resolveCommit(repo, ref).catch(() => null);
    if (!sha) continue;
    // Exit code 1: the two histories share no commit; try the next candidate.
    const base = (await git(repo, ['merge-base', sha, headSha]).catch(() => null))?.toString().trim();
    if (base) return { ref, sha: base };
  }
  throw new GitError(`no base to compare with in ${repo}: none of origin/HEAD, main or master shares history with ${shortSha(headSha)} (pass --base)`);
}

/** Every file path in a commit's tree (recursively; symlinks and submodules included). */
export async function listFiles(repo: string, sha: string): Promise<string[]> {
  checkRef(sha);
  const output = await git(repo, ['ls-tree', '-r', '-z', '--name-only', '--end-of-options', sha]);
  return output.toString('utf8').split('\0').filter(Boolean);
}

/** Every file of a commit's tree with its git object id (`ls-tree -r`): a file's identity without reading it. */
export async function listBlobs(repo: string, sha: string): Promise<Map<string, string>> {
  checkRef(sha);
  const output = await git(repo, ['ls-tree', '-r', '-z', '--end-of-options', sha]);
  const blobs = new Map<string, string>();
  for (const entry of output.toString('utf8').split('\0')) {
    // <mode> SP <type> SP <object> TAB <path>
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    blobs.set(entry.slice(tab + 1), entry.slice(0, tab).split(' ')[2] ?? '');
  }
  return blobs;
}

/** A file's bytes at a commit; null when that commit has no file at that path. */
export async function readFileAt(repo: string, sha: string, path: string): Promise<Buffer | null> {
  checkRef(sha);
  try {
    return await git(repo, ['cat-file', 'blob', `${sha}:${path}`]);
  } catch (error) {
    // git words an unknown commit the same as an absent path: tell them apart by asking.
    if (!(await isCommit(repo, sha))) throw new GitError(`cannot read ${path} in ${repo}: no commit ${sha} there`);
    if (error instanceof GitError && /does not exist in '|exists on disk, but not in '|: bad file$/m.test(error.message)) return null;
    throw error;
  }
}

async function isCommit(repo: string, sha: string): Promise<boolean> {
  return git(repo, ['cat-file', '-e', `${sha}^{commit}`]).then(
    () => true,
    () => false,
  );
}

export interface ChangedFile {
  status: 'A' | 'M' | 'D' | 'R';
  path: string;
  /** The path on base, for a rename. */
  oldPath: string | null;
}

/** Files that differ between two commits, renames detected (`git diff --name-status -z -M`). */
export async function changedFiles(repo: string, baseSha: string, headSha: string): Promise<ChangedFile[]> {
  checkRef(baseSha);
  checkRef(headSha);
  // The user's diff settings (relative, external drivers, colour) must not shape our parsing.
  const args = ['diff', '--name-status', '-z', '-M', '--no-relative', '--no-ext-diff', '--no-color', '--end-of-options', baseSha, headSha, '--'];
  const fields = (await git(repo, args)).toString('utf8').split('\0');
  const changes: ChangedFile[] = [];
  for (let i = 0; i < fields.length - 1; ) {
    const status = fields[i++]!.charAt(0);
    if (status === 'R' || status === 'C') {
      const oldPath = fields[i++]!;
      changes.push({ status: 'R', path: fields[i++]!, oldPath });
    } else {
      // T (type change, e.g. file → symlink) is a modification for our purposes.
      changes.push({ status: status === 'A' || status === 'D' ? status : 'M', path: fields[i++]!, oldPath: null });
    }
  }
  return changes;
}

/**
 * Writes just `paths` (files or folders; `.` for everything) of a commit into `dest`,
 * through a temporary index: the repository's own index, work tree and HEAD are
 * untouched, and it works in bare repositories too. A path the commit does not have is
 * an error that names it.
 */
export async function materialize(repo: string, sha: string, paths: string[], dest: string): Promise<void> {
  checkRef(sha);
  const target = resolve(dest);
  await mkdir(target, { recursive: true });
  if (paths.length === 0) return;
  const selected = filesUnder(await listFiles(repo, sha), paths, repo, sha);
  const scratch = await mkdtemp(join(tmpdir(), 'driftbot-index-'));
  const env = { GIT_INDEX_FILE: join(scratch, 'index') };
  try {
    await git(repo, ['read-tree', '--end-of-options', sha], { env });
    await git(repo, ['--work-tree', target, 'checkout-index', '--force', `--prefix=${target}/`, '-z', '--stdin'], {
      env,
      input: Buffer.from(selected.join('\0')),
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function filesUnder(all: string[], paths: string[], repo: string, sha: string): string[] {
  if (paths.some((p) => p === '.' || p === '')) return all;
  const wanted = paths.map((p) => p.replace(/^\.\//, '').replace(/\/+$/, ''));
  const selected = new Set<string>();
  for (const path of wanted) {
    const matches = all.filter((file) => file === path || file.startsWith(`${path}/`));
    if (matches.length === 0) throw new GitError(`cannot write "${path}" of ${shortSha(sha)} from ${repo}: that commit has no such file or folder`);
    for (const file of matches) selected.add(file);
  }
  return [...selected];
}

/** The seven-character form people recognise. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}
