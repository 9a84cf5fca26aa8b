/**
 * A thin, safe wrapper over the git CLI: argument arrays (never a shell), refs checked
 * so that none can pass for an option, and errors that name the repository and ref.
 * Nothing here touches the user's work tree, index or HEAD.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class GitError extends Error {}

interface GitOptions {
  env?: Record<string, string>;
  input?: Buffer;
}

/** Runs git and returns its raw stdout. */
export function git(repo: string, args: string[], options: GitOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: repo,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new GitError(`cannot run git in ${repo}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new GitError(`git ${args[0]} failed in ${repo}: ${Buffer.concat(err).toString('utf8').trim() || `exit code ${code}`}`));
    });
    child.stdin.end(options.input);
  });
}

function checkRef(ref: string): void {
  if (!ref || ref.startsWith('-') || /[\0\n]/.test(ref)) throw new GitError(`not a valid git ref: ${JSON.stringify(ref)}`);
}

export async function resolveCommit(repo: string, ref: string): Promise<string> {
  checkRef(ref);
  try {
    return (await git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).toString().trim();
  } catch {
    const isRepository = await git(repo, ['rev-parse', '--git-dir']).then(() => true, () => false);
    throw new GitError(isRepository ? `unknown git ref "${ref}" in ${repo}` : `${repo} is not a git repository (--repo)`);
  }
}

/** CONTRACT.md: the merge-base of `origin/HEAD` (else `main`, then `master`) and head. */
export async function defaultBaseRef(repo: string, headSha: string): Promise<{ ref: string; sha: string }> {
  for (const ref of ['origin/HEAD', 'main', 'master']) {
    const sha = await resolveCommit(repo, ref).catch(() => null);
    if (!sha) continue;
    const base = (await git(repo, ['merge-base', sha, headSha]).catch(() => null))?.toString().trim();
    if (base) return { ref, sha: base };
  }
  throw new GitError(`no base to compare with in ${repo}: none of origin/HEAD, main or master exists (pass --base)`);
}

export async function listFiles(repo: string, sha: string): Promise<string[]> {
  checkRef(sha);
  const output = await git(repo, ['ls-tree', '-r', '-z', '--name-only', '--end-of-options', sha]);
  return output.toString('utf8').split('\0').filter(Boolean);
}

export async function readFileAt(repo: string, sha: string, path: string): Promise<Buffer | null> {
  checkRef(sha);
  return git(repo, ['cat-file', 'blob', `${sha}:${path}`]).catch(() => null);
}

export interface ChangedFile {
  status: 'A' | 'M' | 'D' | 'R';
  path: string;
  oldPath: string | null;
}

export async function changedFiles(repo: string, baseSha: string, headSha: string): Promise<ChangedFile[]> {
  checkRef(baseSha);
  checkRef(headSha);
  const fields = (await git(repo, ['diff', '--name-status', '-z', '-M', baseSha, headSha, '--'])).toString('utf8').split('\0');
  const changes: ChangedFile[] = [];
  for (let i = 0; i < fields.length - 1; ) {
    const status = fields[i++]!.charAt(0);
    if (status === 'R' || status === 'C') {
      const oldPath = fields[i++]!;
      changes.push({ status: 'R', path: fields[i++]!, oldPath });
    } else {
      changes.push({ status: status === 'A' || status === 'D' ? status : 'M', path: fields[i++]!, oldPath: null });
    }
  }
  return changes;
}

/**
 * Writes just `paths` (files or folders; `.` for everything) of a commit into `dest`,
 * through a temporary index: the repository's own index and work tree are untouched.
 */
export async function materialize(repo: string, sha: string, paths: string[], dest: string): Promise<void> {
  checkRef(sha);
  await mkdir(dest, { recursive: true });
  if (paths.length === 0) return;
  const scratch = await mkdtemp(join(tmpdir(), 'driftbot-index-'));
  const env = { GIT_INDEX_FILE: join(scratch, 'index') };
  try {
    await git(repo, ['read-tree', sha], { env });
    const prefix = dest.endsWith('/') ? dest : `${dest}/`;
    const selected = paths.includes('.') ? ['.'] : paths;
    await git(repo, ['--work-tree', dest, 'checkout-index', '--force', `--prefix=${prefix}`, '-z', '--stdin'], {
      env,
      input: Buffer.from((await filesUnder(repo, sha, selected)).join('\0')),
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function filesUnder(repo: string, sha: string, paths: string[]): Promise<string[]> {
  const all = await listFiles(repo, sha);
  if (paths.includes('.')) return all;
  const folders = paths.map((p) => p.replace(/\/+$/, ''));
  return all.filter((file) => folders.some((folder) => file === folder || file.startsWith(`${folder}/`)));
}

export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}
