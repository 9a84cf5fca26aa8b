/** One comment per pull request, found by its hidden marker and edited in place. */
import { isStickyComment, readMarker, type PreviousState } from '../report/marker.js';
import type { GitHubClient, PullRequestTarget } from './client.js';

export interface StickyComment {
  id: number;
  body: string;
  /** What the run that wrote it found, from its marker: for wording only, anyone with access can edit it. */
  previous: PreviousState;
}

export async function findStickyComment(octokit: GitHubClient, target: PullRequestTarget): Promise<StickyComment | null> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner: target.owner, repo: target.repo, issue_number: target.number, per_page: 100 });
  const mine = comments.find((comment) => isStickyComment(comment.body ?? '') && comment.user?.type === 'Bot');
  return mine ? { id: mine.id, body: mine.body ?? '', previous: readMarker(mine.body ?? '') } : null;
}

export async function upsertStickyComment(octokit: GitHubClient, target: PullRequestTarget, existing: StickyComment | null, body: string): Promise<void> {
  if (existing) {
    if (existing.body !== body) await octokit.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: existing.id, body });
  } else {
    await octokit.rest.issues.createComment({ owner: target.owner, repo: target.repo, issue_number: target.number, body });
  }
}
