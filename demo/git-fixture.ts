/**
 * Real git repositories written file by file: the demo builds its example with this,
 * and the tests build every case with it.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class GitFixture {
  private constructor(readonly dir: string) {}

  static async create(dir: string, defaultBranch = 'main'): Promise<GitFixture> {
    await mkdir(dir, { recursive: true });
    const repo = new GitFixture(dir);
    await repo.git('init', '-q', '-b', defaultBranch);
    await repo.git('config', 'user.email', 'demo@driftbot.invalid');
    await repo.git('config', 'user.name', 'driftbot demo');
    await repo.git('config', 'commit.gpgsign', 'false');
    return repo;
  }

  /** An existing repository (a clone, say), with a committer set. */
  static async open(dir: string): Promise<GitFixture> {
    const repo = new GitFixture(dir);
    await repo.git('config', 'user.email', 'demo@driftbot.invalid');
    await repo.git('config', 'user.name', 'driftbot demo');
    return repo;
  }

  /** Writes (string) or deletes (null) files, then commits them all. Returns the new sha. */
  async commit(message: string, files: Record<string, string | null>): Promise<string> {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.dir, path);
      if (content === null) {
        await rm(full, { force: true });
      } else {
        await mkdir(dirname(full), { recursive: true });
        await writeFile(full, content);
      }
    }
    await this.git('add', '-A');
    await this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }

  async branch(name: string, from?: string): Promise<void> {
    await this.git('checkout', '-q', '-b', name, ...(from ? [from] : []));
  }

  async checkout(ref: string): Promise<void> {
    await this.git('checkout', '-q', ref);
  }

  async git(...args: string[]): Promise<string> {
    const { stdout } = await run('git', args, { cwd: this.dir, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  }
}
