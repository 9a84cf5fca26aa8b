/**
 * A commit's files without a checkout: the list once, contents on demand. Discovery
 * and configuration read through this, so they work on any commit.
 */
import { git, GitError, listFiles, readFileAt } from './git.js';

export interface RepoFiles {
  paths: string[];
  /** UTF-8 text of a file, or null when absent. */
  read(path: string): Promise<string | null>;
  /** Paths of the files whose text contains `text` (one `git grep`, not a read per file). */
  containing(text: string): Promise<string[]>;
}

export async function repoFilesAt(repo: string, sha: string): Promise<RepoFiles> {
  const paths = await listFiles(repo, sha);
  const present = new Set(paths);
  return {
    paths,
    read: async (path) => (present.has(path) ? ((await readFileAt(repo, sha, path))?.toString('utf8') ?? null) : null),
    containing: async (text) => {
      const output = await git(repo, ['grep', '-l', '-z', '-F', '-e', text, sha, '--']).catch((error: unknown) => {
        // git grep exits 1 when nothing matches; anything else is a real failure.
        if (error instanceof GitError && error.exitCode === 1) return Buffer.alloc(0);
        throw error;
      });
      const prefix = `${sha}:`;
      return output
        .toString('utf8')
        .split('\0')
        .filter(Boolean)
        .map((p) => (p.startsWith(prefix) ? p.slice(prefix.length) : p));
    },
  };
}
