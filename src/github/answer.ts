/**
 * What whoever asked is told once a job is done: nothing for a push; for the label,
 * "Re-run" or a command whose commit moved, that it moved; for a command, its answer
 * (a verdict, the evidence, or the fix committed). Merge groups have no pull request
 * to answer on.
 */
import { renderMarkdownBody } from '../report/markdown.js';
import { summarize } from '../report/summary.js';
import { renderJson } from '../report/json.js';
import { codeBlock, inlineCode } from '../report/escape.js';
import { applyFixes } from './apply-fix.js';
import { currentHead, type GitHubClient, type PullRequestTarget } from './client.js';
import { RERUN_LABEL } from './commands.js';
import type { JobOutcome } from './check-subject.js';
import type { Subject } from './subject.js';

export function movedMessage(what: string, moved: { askedSha: string; headSha: string }): string {
  return `driftbot did not ${what}: the branch moved from ${inlineCode(moved.askedSha.slice(0, 7))} to ${inlineCode(moved.headSha.slice(0, 7))} since you asked; ask again.`;
}

/** What was asked, as the reply words it ("driftbot did not …"). */
function whatWasAsked(subject: Subject): string {
  switch (subject.asked.by) {
    case 'push':
      return 'run';
    case 'label':
      return `run again for the ${inlineCode(RERUN_LABEL)} label`;
    case 'rerun':
      return 're-run the check';
    case 'command':
      return `run ${inlineCode(`/driftbot ${subject.asked.command}`)}`;
  }
}

export async function answer(octokit: GitHubClient, subject: Subject, outcome: JobOutcome): Promise<void> {
  if (subject.reportTo.kind !== 'pull-request' || subject.asked.by === 'push') return;
  const target: PullRequestTarget = { owner: subject.repository.owner, repo: subject.repository.repo, number: subject.reportTo.number };
  const reply = (body: string) => octokit.rest.issues.createComment({ owner: target.owner, repo: target.repo, issue_number: target.number, body });
  const what = whatWasAsked(subject);
  if (outcome.kind === 'moved') {
    await reply(movedMessage(what, outcome));
    return;
  }
  if (subject.asked.by !== 'command') return;
  if (outcome.kind === 'closed') {
    await reply(`driftbot did not ${what}: the pull request is closed.`);
    return;
  }
  if (outcome.kind !== 'posted') return;
  const { report, headSha, pullRequest } = outcome;
  const command = subject.asked.command;
  if (command === 'check') {
    await reply(
      `driftbot checked ${inlineCode(headSha.slice(0, 7))}: ${report.status === 'clean' ? 'no schema drift' : report.status === 'drift' ? 'schema drift, see the driftbot comment above' : 'could not analyse, see the driftbot comment above'}.`,
    );
  } else if (command === 'explain') {
    const evidence = renderMarkdownBody(report, { maxLength: 40_000 });
    const json = renderJson(report);
    await reply(
      `${evidence}\n<details><summary>The report as JSON</summary>\n\n${json.length < 20_000 ? codeBlock(json, 'json') : 'Too long for a comment: run `driftbot check --format json` locally.'}\n\n</details>\n`,
    );
  } else if (pullRequest) {
    // The fixes were computed for the asked head; a push since means they fix a commit nobody will merge.
    const headNow = await currentHead(octokit, target);
    if (headNow !== headSha) {
      await reply(`${movedMessage(what, { askedSha: headSha, headSha: headNow })} Nothing was committed.`);
      return;
    }
    // The ref update is not forced either: a push in the last instant makes GitHub refuse it.
    const branch = {
      owner: pullRequest.headRepoOwner,
      repo: pullRequest.headRepoName,
      ref: pullRequest.headRef,
      sha: headSha,
      isFork: pullRequest.isFork,
      maintainerCanModify: pullRequest.maintainerCanModify,
    };
    await reply(await applyFixes(octokit, branch, summarize(report)));
  }
}
