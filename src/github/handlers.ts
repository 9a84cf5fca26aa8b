/**
 * One function per trigger. Each turns a webhook into a subject (`subject.ts`) and a
 * queued job and returns at once (GitHub gives up on a delivery after 10 s); none sees
 * Probot's context, only the client, the payload and a logger. Commands and the label
 * are obeyed only from people with write access; a job someone asked for carries the
 * head commit they saw then.
 */
import type { GitHubClient, PullRequestTarget } from './client.js';
import { currentHead } from './client.js';
import type { Logger } from './check-subject.js';
import { HELP, parseCommand, RERUN_LABEL } from './commands.js';
import { canRunCommands } from './permissions.js';
import { RefusalLimiter } from './refusals.js';
import { inlineCode } from '../report/escape.js';
import { subjectOfCommand, subjectOfLabel, subjectOfMergeGroup, subjectOfPush, subjectOfRerun, type Subject } from './subject.js';

/** Where subjects go: the durable queue (`src/queue/`), whose workers run the job. */
export interface SubjectQueue {
  enqueue(subject: Subject, delivery: Delivery): Promise<void>;
}

export interface Delivery {
  /** GitHub's delivery id (X-GitHub-Delivery), for the logs. */
  id: string;
  /** When it was received, ms since the epoch. */
  receivedAt: number;
}

export interface AppDependencies {
  queue: SubjectQueue;
}

export interface WebhookEvent<P> {
  octokit: GitHubClient;
  payload: P;
  log: Logger;
  delivery: Delivery;
}

interface RepositoryPayload {
  repository: { name: string; owner: { login: string } };
  installation?: { id: number };
}

function targetOf(payload: RepositoryPayload, number: number): PullRequestTarget {
  return { owner: payload.repository.owner.login, repo: payload.repository.name, number };
}

/** Per app: who was last refused when. */
const refusals = new WeakMap<AppDependencies, RefusalLimiter>();

function refusalsOf(deps: AppDependencies): RefusalLimiter {
  if (!refusals.has(deps)) refusals.set(deps, new RefusalLimiter());
  return refusals.get(deps)!;
}

function reply(octokit: GitHubClient, target: PullRequestTarget, body: string): Promise<unknown> {
  return octokit.rest.issues.createComment({ owner: target.owner, repo: target.repo, issue_number: target.number, body });
}

/** A polite no to someone without write access, at most once per person, pull request and window. */
async function refuse(octokit: GitHubClient, target: PullRequestTarget, login: string, body: string, deps: AppDependencies): Promise<void> {
  if (refusalsOf(deps).mayReply(target, login)) await reply(octokit, target, body);
}

function enqueue(event: WebhookEvent<unknown>, subject: Subject, deps: AppDependencies): Promise<void> {
  return deps.queue.enqueue(subject, event.delivery);
}

/** pull_request opened / synchronize / reopened / ready_for_review. */
export async function onPullRequest(event: WebhookEvent<RepositoryPayload & { pull_request: { number: number } }>, deps: AppDependencies): Promise<void> {
  await enqueue(event, subjectOfPush(event.payload), deps);
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
  await enqueue(event, subjectOfLabel(payload, payload.pull_request.head?.sha ?? (await currentHead(octokit, target))), deps);
}

/**
 * check_run rerequested (GitHub offers "Re-run" to people with write access only): the
 * subject is in external_id (forks' check runs carry no pull_requests, a merge group's
 * none at all), the commit in head_sha.
 */
export async function onCheckRunRerequested(
  event: WebhookEvent<RepositoryPayload & { check_run: { name: string; external_id: string | null; head_sha?: string } }>,
  deps: AppDependencies,
): Promise<void> {
  const subject = subjectOfRerun(event.payload, event.payload.check_run.head_sha ?? null);
  if (!subject) return;
  if (subject.headSha === null && subject.reportTo.kind === 'pull-request') {
    subject.headSha = await currentHead(event.octokit, targetOf(event.payload, subject.reportTo.number));
  }
  await enqueue(event, subject, deps);
}

/** merge_group checks_requested: the commit a merge queue would merge, reported on its check run. */
export async function onMergeGroup(
  event: WebhookEvent<RepositoryPayload & { merge_group: { head_sha: string; head_ref: string; base_sha: string; base_ref: string } }>,
  deps: AppDependencies,
): Promise<void> {
  await enqueue(event, subjectOfMergeGroup(event.payload), deps);
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
  const login = payload.comment.user.login;

  if (!(await canRunCommands(octokit, target.owner, target.repo, login))) {
    await refuse(octokit, target, login, `Sorry, ${inlineCode(`/driftbot ${command}`)} is for people with write access to this repository. A maintainer can run it for you.`, deps);
    return;
  }
  await octokit.rest.reactions.createForIssueComment({ owner: target.owner, repo: target.repo, comment_id: payload.comment.id, content: 'eyes' });
  if (command === 'help') {
    await reply(octokit, target, HELP);
    return;
  }
  // The commit the maintainer is looking at as they ask: the job works on it or on nothing.
  await enqueue(event, subjectOfCommand(payload, command, await currentHead(octokit, target)), deps);
}
