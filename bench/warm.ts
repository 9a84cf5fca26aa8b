/**
 * The warm scenarios of the bench, as git commits: *warm-push* is the same pull request
 * after one more commit on head that adds a revision; *warm-base* is another pull
 * request on the same base that adds one. The revision runs `SELECT 1`: it changes
 * nothing in the schema, so the rows differ only by what the cache saves.
 */
import { GitFixture } from '../demo/git-fixture.js';
import { revision } from '../demo/seed-repo.js';

/** A branch `name` from `from` with one more revision on top of `versions`' head there. Returns the branch. */
export async function addRevision(repoDir: string, from: string, name: string, versions: string): Promise<string> {
  const repo = await GitFixture.open(repoDir);
  const down = await chainHead(repo, from, versions);
  const id = name.replace(/\W/g, '');
  await repo.branch(name, from);
  await repo.commit(`${name}: one more revision`, { [`${versions}/${id}_bench.py`]: revision(id, down, name, 'op.execute("SELECT 1")') });
  await repo.checkout(from);
  return name;
}

/** The one revision of a chain at `ref` that no other revises, read from its files (the bench's own generated repositories). */
async function chainHead(repo: GitFixture, ref: string, versions: string): Promise<string> {
  const paths = (await repo.git('ls-tree', '-r', '--name-only', ref, '--', `${versions}/`)).split('\n').filter((p) => p.endsWith('.py'));
  const ids: string[] = [];
  const revised = new Set<string>();
  for (const path of paths) {
    const text = await repo.git('show', `${ref}:${path}`);
    const id = /^revision\s*=\s*["']([^"']+)["']/m.exec(text)?.[1];
    if (id) ids.push(id);
    const down = /^down_revision\s*=\s*(.+)$/m.exec(text)?.[1] ?? '';
    for (const match of down.matchAll(/["']([^"']+)["']/g)) revised.add(match[1]!);
  }
  const heads = ids.filter((id) => !revised.has(id));
  if (heads.length !== 1) throw new Error(`${versions} at ${ref} has ${heads.length} heads (${heads.join(', ')}): the bench adds a revision to a chain with one`);
  return heads[0]!;
}
