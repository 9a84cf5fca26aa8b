/**
 * Where existing databases come from. Base always; then any `upgrade_from` /
 * `--upgrade-from` entries: a ref (`v1.4.0`, `release/2024-06`), or a tag glob with a
 * count, `v*~3` (the last three tags matching `v*`, by version order; a glob alone
 * means its last tag). The same commit is built once.
 */
import type { CommitRef } from '../analysis/report.js';
import { git, resolveCommit } from './git.js';

export async function startingPoints(repo: string, base: CommitRef, specs: string[]): Promise<CommitRef[]> {
  const points: CommitRef[] = [base];
  for (const spec of specs) {
    for (const ref of await expand(repo, spec)) {
      const sha = await resolveCommit(repo, ref).catch(() => {
        throw new Error(`upgrade_from: unknown git ref "${ref}"${ref === spec ? '' : ` (from "${spec}")`}`);
      });
      if (!points.some((p) => p.sha === sha)) points.push({ ref, sha });
    }
  }
  return points;
}

async function expand(repo: string, spec: string): Promise<string[]> {
  const match = /^(.*[*?[].*?)(?:~(\d+))?$/.exec(spec);
  if (!match) return [spec];
  const [, glob, count] = match;
  const tags = (await git(repo, ['for-each-ref', '--sort=-v:refname', '--format=%(refname:short)', `refs/tags/${glob}`])).toString().split('\n').filter(Boolean);
  if (tags.length === 0) throw new Error(`upgrade_from: no tag matches "${glob}"`);
  return tags.slice(0, Number(count ?? 1));
}
