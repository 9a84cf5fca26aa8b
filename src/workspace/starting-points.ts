/**
 * Where existing databases come from. Base always; then any `upgrade_from` /
 * `--upgrade-from` entries: a ref (`v1.4.0`, `release/2024-06`), or a tag glob with a
 * count, `v*~3` (the last three tags matching `v*`, by version order; a glob alone
 * means its last tag). The same commit is built once.
 *
 * Each starting point is a checkout and a database built from it, and `upgrade_from`
 * comes from the pull request: at most MAX_EXTRA of them besides the base.
 */
import type { CommitRef } from '../report/report.js';
import { git, resolveCommit } from './git.js';

export const MAX_EXTRA = 3;

export async function startingPoints(repo: string, base: CommitRef, specs: string[]): Promise<CommitRef[]> {
  // Every entry is at least one starting point: too many entries fail before any git runs.
  if (specs.length > MAX_EXTRA) throw tooMany(specs, specs.length);
  // In the order given, so that the first bad entry is the one named.
  const resolved: CommitRef[] = [];
  for (const spec of specs) {
    for (const ref of await expand(repo, spec)) {
      const sha = await resolveCommit(repo, ref).catch(() => {
        throw new Error(`upgrade_from: unknown git ref "${ref}"${ref === spec ? '' : ` (from "${spec}")`}`);
      });
      resolved.push({ ref, sha });
    }
  }
  if (resolved.length > MAX_EXTRA) throw tooMany(specs, resolved.length);
  const points: CommitRef[] = [base];
  for (const point of resolved) if (!points.some((p) => p.sha === point.sha)) points.push(point);
  return points;
}

function tooMany(specs: string[], count: number): Error {
  return new Error(
    `upgrade_from: ${specs
      .slice(0, 4)
      .map((spec) => JSON.stringify(spec))
      .join(
        ', ',
      )}${specs.length > 4 ? ', …' : ''} asks for ${count} starting points; at most ${MAX_EXTRA} are built besides the base branch. List fewer refs, or a smaller count in a tag glob (e.g. "v*~${MAX_EXTRA}").`,
  );
}

async function expand(repo: string, spec: string): Promise<string[]> {
  const match = /^(.*[*?[].*?)(?:~(\d+))?$/.exec(spec);
  if (!match) return [spec];
  const [, glob, count] = match;
  const tags = (await git(repo, ['for-each-ref', '--sort=-v:refname', '--format=%(refname:short)', `refs/tags/${glob}`])).toString().split('\n').filter(Boolean);
  if (tags.length === 0) throw new Error(`upgrade_from: no tag matches "${glob}"`);
  return tags.slice(0, Number(count ?? 1));
}
