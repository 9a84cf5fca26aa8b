/**
 * `/driftbot apply`: commits the proposed migrations to the pull request's branch
 * through the Git Data API (blobs → one tree → one commit → ref). Every database's fix
 * goes in the same commit, and only when every one was verified: a branch half-fixed
 * would still drift, and the reply would have to be read closely to notice. The ref
 * update is not forced, so if the branch moved since the analysis GitHub refuses it: a
 * free stale-write check. A fork's branch can be written only when its author lets
 * maintainers modify it.
 */
import type { Fix } from '../report/report.js';
import { codeBlock, inlineCode } from '../report/escape.js';
import type { FixSummary, Summary } from '../report/summary.js';
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

/** Error text from a failed verification is the repository's: one line of it, in a code span. */
const ERROR_LIMIT = 300;

/** What `/driftbot apply` does with this summary, as the reply to post. */
export async function applyFixes(octokit: GitHubClient, branch: PullRequestBranch, summary: Summary): Promise<string> {
  const plan = summary.apply;
  switch (plan.kind) {
    case 'nothing':
      return 'There is nothing to apply: driftbot proposed no migration for this commit.';
    case 'blocked':
      return blockedReply(summary);
    case 'commit': {
      const result = await commitFixes(octokit, branch, plan.fixes);
      const files = plan.fixes.map((fix) => inlineCode(fix.path)).join(', ');
      if (result.applied) return `Committed ${files} (${inlineCode(result.commitSha.slice(0, 7))}) to ${inlineCode(branch.ref)}.`;
      if (result.reason === 'fork-locked') {
        const byHand = plan.fixes.map((fix) => `add this file as ${inlineCode(fix.path)}:\n\n${codeBlock(fix.content, 'python')}`).join('\n\nThen ');
        return `driftbot cannot push to this fork: its author has not allowed edits from maintainers. To apply the fix by hand, ${byHand}`;
      }
      return `The branch moved while driftbot was working; nothing was committed. Run ${inlineCode('/driftbot apply')} again.`;
    }
  }
}

/** Names every fix left uncommitted and why: the unverified ones, and the verified ones held back with them. */
function blockedReply(summary: Summary): string {
  const reasons = summary.fixes.map(({ fix, state }) => `- ${inlineCode(fix.path)} (database ${inlineCode(fix.database)}): ${WHY_NOT[state](fix)}.`);
  return `driftbot committed nothing: ${TOGETHER}\n\n${reasons.join('\n')}\n\nReview the proposals in the driftbot comment and add them by hand.`;
}

const TOGETHER = '`/driftbot apply` commits the proposed migrations of every database together, and only when each one is verified.';

const WHY_NOT: Record<FixSummary['state'], (fix: Fix) => string> = {
  verified: () => 'verified, held back with the others',
  'differences-remain': (fix) =>
    `not verified, ${fix.remainingDifferences} difference${fix.remainingDifferences === 1 ? '' : 's'} remain${fix.remainingDifferences === 1 ? 's' : ''} after applying it`,
  'failed-to-apply': (fix) => `not verified, applying it failed: ${inlineCode(firstLine(fix.verificationError ?? ''))}`,
};

export async function commitFixes(octokit: GitHubClient, branch: PullRequestBranch, fixes: Fix[]): Promise<ApplyResult> {
  if (branch.isFork && !branch.maintainerCanModify) return { applied: false, reason: 'fork-locked' };
  const { owner, repo } = branch;
  const files = [];
  for (const fix of fixes) {
    const { data: blob } = await octokit.rest.git.createBlob({ owner, repo, content: fix.content, encoding: 'utf-8' });
    files.push({ path: fix.path, mode: '100644' as const, type: 'blob' as const, sha: blob.sha });
  }
  const { data: parent } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: branch.sha });
  const { data: tree } = await octokit.rest.git.createTree({ owner, repo, base_tree: parent.tree.sha, tree: files });
  const revisions = fixes.map((fix) => fix.revision).join(', ');
  const { data: commit } = await octokit.rest.git.createCommit({
    owner,
    repo,
    message: `Add ${revisions}: reconcile schema drift (driftbot)\n\nIdempotent forward migration${fixes.length === 1 ? '' : 's'} proposed and verified by driftbot.`,
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

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > ERROR_LIMIT ? `${line.slice(0, ERROR_LIMIT)}…` : line;
}
