/**
 * One function per trigger. Each turns a webhook into a queued job and returns at once
 * (GitHub gives up on a delivery after 10 s); none sees Probot's context, only the
 * client, the payload and a logger. Commands and the label are obeyed only from people
 * with write access; a job someone asked for carries the head commit they saw then.
 */
import type { GitHubClient, PullRequestTarget } from './client.js';
import { pullRequestKey } from './client.js';
import { checkPullRequest, type Ask, type BranchMoved, type Engine, type Logger } from './check-pull-request.js';
import type { JobQueue } from './job-queue.js';
import { HELP, parseCommand } from './commands.js';
import { canRunCommands } from './permissions.js';
import { applyFixes } from './apply-fix.js';
import { RefusalLimiter } from './refusals.js';
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

/** Per app: the head commit last posted for each pull request, and who was last refused when. */
const memories = new WeakMap<AppDependencies, { posted: Map<string, string>; refusals: RefusalLimiter }>();

function memory(deps: AppDependencies): { posted: Map<string, string>; refusals: RefusalLimiter } {
  if (!memories.has(deps)) memories.set(deps, { posted: new Map(), refusals: new RefusalLimiter() });
  return memories.get(deps)!;
}

function posted(deps: AppDependencies): Map<string, string> {
  return memory(deps).posted;
}

function reply(octokit: GitHubClient, target: PullRequestTarget, body: string): Promise<unknown> {
  return octokit.rest.issues.createComment({ owner: target.owner, repo: target.repo, issue_number: target.number, body });
}

/** A polite no to someone without write access, at most once per person, pull request and window. */
async function refuse(octokit: GitHubClient, target: PullRequestTarget, login: string, body: string, deps: AppDependencies): Promise<void> {
  if (memory(deps).refusals.mayReply(target, login)) await reply(octokit, target, body);
}

/** The head the pull request has now: what someone who asks now is looking at. */
async function currentHead(octokit: GitHubClient, target: PullRequestTarget): Promise<string> {
  const { data } = await octokit.rest.pulls.get({ owner: target.owner, repo: target.repo, pull_number: target.number });
  return data.head.sha;
}

export function movedMessage(what: string, moved: Pick<BranchMoved, 'askedSha' | 'headSha'>): string {
  return `driftbot did not ${what}: the branch moved from ${inlineCode(moved.askedSha.slice(0, 7))} to ${inlineCode(moved.headSha.slice(0, 7))} since you asked; ask again.`;
}

function enqueueCheck(event: WebhookEvent<unknown>, target: PullRequestTarget, ask: Ask, what: string, deps: AppDependencies): void {
  deps.queue.enqueue(pullRequestKey(target), async (signal) => {
    const outcome = await checkPullRequest(event, target, ask, deps.engine, signal, posted(deps));
    if (outcome?.moved) await reply(event.octokit, target, movedMessage(what, outcome));
  });
}

/** pull_request opened / synchronize / reopened / ready_for_review. */
export async function onPullRequest(event: WebhookEvent<RepositoryPayload & { pull_request: { number: number } }>, deps: AppDependencies): Promise<void> {
  enqueueCheck(event, targetOf(event.payload, event.payload.pull_request.number), { trigger: 'push' }, 'run', deps);
}

interface LabelPayload extends RepositoryPayload {
  pull_request: { number: number; head?: { sha: string } };
  label?: { name: string };
  sender?: { login: string };
}

/**
 * pull_request labeled `driftbot:rerun`: the label comes off at once; from someone with
 * write access it runs the analysis again on the head they labeled, from anyone else
 * it runs nothing.
 */
export async function onLabel(event: WebhookEvent<LabelPayload>, deps: AppDependencies): Promise<void> {
  const { payload, octokit } = event;
  if (payload.label?.name !== RERUN_LABEL) return;
  const target = targetOf(payload, payload.pull_request.number);
  await octokit.rest.issues.removeLabel({ owner: target.owner, repo: target.repo, issue_number: target.number, name: RERUN_LABEL }).catch(() => {});
  const login = payload.sender?.login;
  if (!login || !(await canRunCommands(octokit, target.owner, target.repo, login))) {
    if (login)
      await refuse(
        octokit,
        target,
        login,
        `Sorry, the ${inlineCode(RERUN_LABEL)} label is for people with write access to this repository. A maintainer can add it for you.`,
        deps,
      );
    return;
  }
  const headSha = payload.pull_request.head?.sha ?? (await currentHead(octokit, target));
  enqueueCheck(event, target, { trigger: 'label', headSha }, `run again for the ${inlineCode(RERUN_LABEL)} label`, deps);
}

/**
 * check_run rerequested (GitHub offers "Re-run" to people with write access only): the
 * pull request number is in external_id (forks carry no pull_requests), the commit in
 * head_sha.
 */
export async function onCheckRunRerequested(
  event: WebhookEvent<RepositoryPayload & { check_run: { name: string; external_id: string | null; head_sha?: string } }>,
  deps: AppDependencies,
): Promise<void> {
  const number = Number(event.payload.check_run.external_id);
  if (event.payload.check_run.name !== 'driftbot' || !Number.isInteger(number) || number <= 0) return;
  const target = targetOf(event.payload, number);
  const headSha = event.payload.check_run.head_sha ?? (await currentHead(event.octokit, target));
  enqueueCheck(event, target, { trigger: 'rerun', headSha }, 're-run the check', deps);
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
  const answer = (body: string) => reply(octokit, target, body);
  const login = payload.comment.user.login;

  if (!(await canRunCommands(octokit, target.owner, target.repo, login))) {
    await refuse(octokit, target, login, `Sorry, ${inlineCode(`/driftbot ${command}`)} is for people with write access to this repository. A maintainer can run it for you.`, deps);
    return;
  }
  await octokit.rest.reactions.createForIssueComment({ owner: target.owner, repo: target.repo, comment_id: payload.comment.id, content: 'eyes' });
  if (command === 'help') {
    await answer(HELP);
    return;
  }
  // The commit the maintainer is looking at as they ask: the job works on it or on nothing.
  const askedSha = await currentHead(octokit, target);
  const what = `run ${inlineCode(`/driftbot ${command}`)}`;
  deps.queue.enqueue(pullRequestKey(target), async (signal) => {
    const outcome = await checkPullRequest(event, target, { trigger: 'command', headSha: askedSha }, deps.engine, signal, posted(deps));
    if (!outcome) {
      if (!signal.aborted) await answer(`driftbot did not ${what}: the pull request is closed.`);
      return;
    }
    if (outcome.moved) {
      await answer(movedMessage(what, outcome));
      return;
    }
    const { report, pullRequest } = outcome;
    if (command === 'check') {
      await answer(
        `driftbot checked ${inlineCode(pullRequest.headSha.slice(0, 7))}: ${report.status === 'clean' ? 'no schema drift' : report.status === 'drift' ? 'schema drift, see the driftbot comment above' : 'could not analyse, see the driftbot comment above'}.`,
      );
    } else if (command === 'explain') {
      const evidence = renderMarkdownBody(report, { maxLength: 40_000 });
      const json = renderJson(report);
      await answer(
        `${evidence}\n<details><summary>The report as JSON</summary>\n\n${json.length < 20_000 ? codeBlock(json, 'json') : 'Too long for a comment: run `driftbot check --format json` locally.'}\n\n</details>\n`,
      );
    } else {
      // The fixes were computed for askedSha; a push since means they fix a commit nobody will merge.
      const headNow = await currentHead(octokit, target);
      if (headNow !== askedSha) {
        await answer(`${movedMessage(what, { askedSha, headSha: headNow })} Nothing was committed.`);
        return;
      }
      // The ref update is not forced either: a push in the last instant makes GitHub refuse it.
      const branch = {
        owner: pullRequest.headRepoOwner,
        repo: pullRequest.headRepoName,
        ref: pullRequest.headRef,
        sha: askedSha,
        isFork: pullRequest.isFork,
        maintainerCanModify: pullRequest.maintainerCanModify,
      };
      await answer(await applyFixes(octokit, branch, summarize(report)));
    }
  });
}
