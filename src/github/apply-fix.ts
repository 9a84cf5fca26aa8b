/**
 * `/driftbot apply`: commits the proposed migration file to the pull request's branch
 * through the Git Data API (blob → tree → commit → ref). The ref update is not forced,
 * so if the branch moved since the analysis GitHub refuses it: a free stale-write
 * check. A fork's branch can be written only when its author lets maintainers modify it.
 */
import type { Fix } from '../analysis/report.js';
import type { GitHubClient } from './client.js';

export interface PullRequestBranch {
  /** Owner and name of the repository that holds the head branch (a fork, maybe). */
  owner: string;
  repo: string;
  ref: string;
  sha: string;
  isFork: boolean;
  maintainerCanModify: boolean;
}

export type ApplyResult = { applied: true; commitSha: string } | { applied: false; reason: 'fork-locked' | 'branch-moved' };

export async function commitFix(octokit: GitHubClient, branch: PullRequestBranch, fix: Fix): Promise<ApplyResult> {
  if (branch.isFork && !branch.maintainerCanModify) return { applied: false, reason: 'fork-locked' };
  const { owner, repo } = branch;
  const { data: blob } = await octokit.rest.git.createBlob({ owner, repo, content: fix.content, encoding: 'utf-8' });
  const { data: parent } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: branch.sha });
  const { data: tree } = await octokit.rest.git.createTree({ owner, repo, base_tree: parent.tree.sha, tree: [{ path: fix.path, mode: '100644', type: 'blob', sha: blob.sha }] });
  const { data: commit } = await octokit.rest.git.createCommit({
    owner,
    repo,
    message: `Add ${fix.revision}: reconcile schema drift (driftbot)\n\nIdempotent forward migration proposed and verified by driftbot.`,
    tree: tree.sha,
    parents: [branch.sha],
  });
  try {
    await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch.ref}`, sha: commit.sha, force: false });
  } catch (error) {
    if ((error as { status?: number }).status === 422) return { applied: false, reason: 'branch-moved' };
    throw error;
  }
  return { applied: true, commitSha: commit.sha };
}
