/**
 * One function per trigger. Each turns a webhook into a queued job and returns at once
 * (GitHub gives up on a delivery after 10 s); none sees Probot's context, only the
 * client, the payload and a logger.
 */
import type { GitHubClient, PullRequestTarget } from './client.js';
import { pullRequestKey } from './client.js';
import { checkPullRequest, type Engine, type Logger, type Trigger } from './check-pull-request.js';
import type { JobQueue } from './job-queue.js';
import { HELP, parseCommand } from './commands.js';
import { canRunCommands } from './permissions.js';
import { applyFixes } from './apply-fix.js';
import { renderMarkdownBody } from '../report/markdown.js';
import { summarize } from '../report/summary.js';
import { renderJson } from '../report/json.js';
import { codeBlock, inlineCode } from '../report/escape.js';

export const RERUN_LABEL = 'driftbot:rerun';

export interface AppDependencies {
  engine: Engine;
  queue: JobQueue;
}

export interface WebhookEvent<P> {
  octokit: GitHubClient;
  payload: P;
  log: Logger;
}

interface RepositoryPayload {
  repository: { name: string; owner: { login: string } };
  installation?: { id: number };
}

function targetOf(payload: RepositoryPayload, number: number): PullRequestTarget {
  return { owner: payload.repository.owner.login, repo: payload.repository.name, number, installationId: payload.installation?.id };
}

/** Per app: the head commit last posted for each pull request. */
const postedHeads = new WeakMap<AppDependencies, Map<string, string>>();

function posted(deps: AppDependencies): Map<string, string> {
  if (!postedHeads.has(deps)) postedHeads.set(deps, new Map());
  return postedHeads.get(deps)!;
}

function enqueueCheck(event: WebhookEvent<unknown>, target: PullRequestTarget, trigger: Trigger, deps: AppDependencies): void {
  deps.queue.enqueue(pullRequestKey(target), async (signal) => {
    await checkPullRequest(event, target, trigger, deps.engine, signal, posted(deps));
  });
}

/** pull_request opened / synchronize / reopened / ready_for_review. */
export async function onPullRequest(event: WebhookEvent<RepositoryPayload & { pull_request: { number: number } }>, deps: AppDependencies): Promise<void> {
  enqueueCheck(event, targetOf(event.payload, event.payload.pull_request.number), 'push', deps);
}

/** pull_request labeled `driftbot:rerun`: run again, then take the label off. */
export async function onLabel(event: WebhookEvent<RepositoryPayload & { pull_request: { number: number }; label?: { name: string } }>, deps: AppDependencies): Promise<void> {
  if (event.payload.label?.name !== RERUN_LABEL) return;
  const target = targetOf(event.payload, event.payload.pull_request.number);
  await event.octokit.rest.issues.removeLabel({ owner: target.owner, repo: target.repo, issue_number: target.number, name: RERUN_LABEL }).catch(() => {});
  enqueueCheck(event, target, 'label', deps);
}

/** check_run rerequested: the pull request number is in external_id (forks carry no pull_requests). */
export async function onCheckRunRerequested(event: WebhookEvent<RepositoryPayload & { check_run: { name: string; external_id: string | null } }>, deps: AppDependencies): Promise<void> {
  const number = Number(event.payload.check_run.external_id);
  if (event.payload.check_run.name !== 'driftbot' || !Number.isInteger(number) || number <= 0) return;
  enqueueCheck(event, targetOf(event.payload, number), 'rerun', deps);
}

interface CommentPayload extends RepositoryPayload {
  issue: { number: number; pull_request?: unknown };
  comment: { id: number; body: string; user: { login: string; type: string } };
}

/** issue_comment created: `/driftbot …` from someone with write access. */
export async function onComment(event: WebhookEvent<CommentPayload>, deps: AppDependencies): Promise<void> {
  const { payload, octokit } = event;
  if (!payload.issue.pull_request || payload.comment.user.type === 'Bot') return;
  const command = parseCommand(payload.comment.body);
  if (!command) return;
  const target = targetOf(payload, payload.issue.number);
  const reply = (body: string) => octokit.rest.issues.createComment({ owner: target.owner, repo: target.repo, issue_number: target.number, body });

  if (!(await canRunCommands(octokit, target.owner, target.repo, payload.comment.user.login))) {
    await reply(`Sorry, ${inlineCode(`/driftbot ${command}`)} is for people with write access to this repository. A maintainer can run it for you.`);
    return;
  }
  await octokit.rest.reactions.createForIssueComment({ owner: target.owner, repo: target.repo, comment_id: payload.comment.id, content: 'eyes' });
  if (command === 'help') {
    await reply(HELP);
    return;
  }
  deps.queue.enqueue(pullRequestKey(target), async (signal) => {
    const outcome = await checkPullRequest(event, target, 'command', deps.engine, signal, posted(deps));
    if (!outcome) {
      if (!signal.aborted) await reply(`driftbot did not run ${inlineCode(`/driftbot ${command}`)}: the pull request is closed or moved on while it ran.`);
      return;
    }
    const { report, pullRequest } = outcome;
    if (command === 'check') {
      await reply(`driftbot checked ${inlineCode(pullRequest.headSha.slice(0, 7))}: ${report.status === 'clean' ? 'no schema drift' : report.status === 'drift' ? 'schema drift, see the driftbot comment above' : 'could not analyse, see the driftbot comment above'}.`);
    } else if (command === 'explain') {
      const evidence = renderMarkdownBody(report, { maxLength: 40_000 });
      const json = renderJson(report);
      await reply(`${evidence}\n<details><summary>The report as JSON</summary>\n\n${json.length < 20_000 ? codeBlock(json, 'json') : 'Too long for a comment: run `driftbot check --format json` locally.'}\n\n</details>\n`);
    } else {
      const branch = { owner: pullRequest.headRepoOwner, repo: pullRequest.headRepoName, ref: pullRequest.headRef, sha: pullRequest.headSha, isFork: pullRequest.isFork, maintainerCanModify: pullRequest.maintainerCanModify };
      await reply(await applyFixes(octokit, branch, summarize(report)));
    }
  });
}
