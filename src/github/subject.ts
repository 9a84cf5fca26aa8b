/**
 * What a job checks: a commit against a base, and where to report — a pull request
 * (its sticky comment and a check run) or a merge group (a check run only). One
 * constructor per trigger; everything after (checkout, analysis, posting) works on the
 * subject alone, so a new trigger is one more constructor here.
 *
 * Pure, and a plain JSON value: a durable queue stores it as a job's data, and the check
 * run's `external_id` carries enough of it that "Re-run" rebuilds it.
 */

export interface Repository {
  owner: string;
  repo: string;
  /** The App installation the event came from (a worker makes its GitHub client from it); null in the Action, which has no App. */
  installationId: number | null;
}

/** A pull request gets a sticky comment and a check run; a merge group, a check run only. */
export type ReportTo = { kind: 'pull-request'; number: number } | { kind: 'merge-group' };

/** The commands that run an analysis (`/driftbot help` is answered at once). */
export type AnalysisCommand = 'check' | 'explain' | 'apply';

/**
 * Who asked. A push (a pull request event, a merge group) runs on whatever it points
 * at; someone who asked (the label, "Re-run", a command) is answered about the commit
 * they saw, `Subject.headSha`, or not at all.
 */
export type Asked = { by: 'push' } | { by: 'label' } | { by: 'rerun' } | { by: 'command'; command: AnalysisCommand };

export interface Subject {
  repository: Repository;
  /** The commit to check as asked; for a push, the head its event announced (null: not known), while the job checks the head it finds. */
  headSha: string | null;
  /** The branch holding headSha when it is not the pull request's refs (a merge queue's `gh-readonly-queue/…`). */
  headRef: string | null;
  /** The branch it merges into; null when the pull request says (read when the job starts). */
  baseRef: string | null;
  /** The base commit when the event names one (a merge group); otherwise where head left baseRef. */
  baseSha: string | null;
  reportTo: ReportTo;
  asked: Asked;
}

interface RepositoryPayload {
  repository: { name: string; owner: { login: string } };
  installation?: { id: number };
}

export function repositoryOf(payload: RepositoryPayload): Repository {
  return { owner: payload.repository.owner.login, repo: payload.repository.name, installationId: payload.installation?.id ?? null };
}

function pullRequestSubject(payload: RepositoryPayload, number: number, headSha: string | null, asked: Asked): Subject {
  return { repository: repositoryOf(payload), headSha, headRef: null, baseRef: null, baseSha: null, reportTo: { kind: 'pull-request', number }, asked };
}

/**
 * pull_request opened / synchronize / reopened / ready_for_review. The head the event
 * announces tells deliveries of the same push apart; the job checks whatever the head
 * is when it starts (an old event delivered again must not check an old commit).
 */
export function subjectOfPush(payload: RepositoryPayload & { pull_request: { number: number; head?: { sha: string } } }): Subject {
  return pullRequestSubject(payload, payload.pull_request.number, payload.pull_request.head?.sha ?? null, { by: 'push' });
}

/** The `driftbot:rerun` label, on the head it was put on. */
export function subjectOfLabel(payload: RepositoryPayload & { pull_request: { number: number } }, headSha: string): Subject {
  return pullRequestSubject(payload, payload.pull_request.number, headSha, { by: 'label' });
}

/** `/driftbot check|explain|apply`, on the head the pull request had when it was asked. */
export function subjectOfCommand(payload: RepositoryPayload & { issue: { number: number } }, command: AnalysisCommand, headSha: string): Subject {
  return pullRequestSubject(payload, payload.issue.number, headSha, { by: 'command', command });
}

const branch = (ref: string) => ref.replace(/^refs\/heads\//, '');

/** merge_group checks_requested: the group's head against its base; there is no pull request. */
export function subjectOfMergeGroup(payload: RepositoryPayload & { merge_group: { head_sha: string; head_ref: string; base_sha: string; base_ref: string } }): Subject {
  const group = payload.merge_group;
  return {
    repository: repositoryOf(payload),
    headSha: group.head_sha,
    headRef: branch(group.head_ref),
    baseRef: branch(group.base_ref),
    baseSha: group.base_sha,
    reportTo: { kind: 'merge-group' },
    asked: { by: 'push' },
  };
}

/**
 * check_run rerequested: the subject its `external_id` carries (forks' check runs carry
 * no pull request), on the commit the check run was for. Null for a check run that is
 * not driftbot's or carries nothing it can read.
 */
export function subjectOfRerun(
  payload: RepositoryPayload & { check_run: { name: string; external_id: string | null; head_sha?: string } },
  headSha: string | null,
): Subject | null {
  const carried = readExternalId(payload.check_run.external_id ?? '');
  if (payload.check_run.name !== 'driftbot' || !carried) return null;
  if (carried.kind === 'pull-request') return pullRequestSubject(payload, carried.number, headSha, { by: 'rerun' });
  if (!headSha) return null;
  return {
    repository: repositoryOf(payload),
    headSha,
    headRef: carried.headRef,
    baseRef: carried.baseRef,
    baseSha: null,
    reportTo: { kind: 'merge-group' },
    asked: { by: 'rerun' },
  };
}

/**
 * What a check run carries for "Re-run": `pr:12`, or `merge-group:<base>:<head branch>`
 * (a git ref has no colon, so the first one separates them).
 */
export function externalIdOf(subject: Subject): string {
  if (subject.reportTo.kind === 'pull-request') return `pr:${subject.reportTo.number}`;
  return `merge-group:${subject.baseRef}:${subject.headRef}`;
}

type Carried = { kind: 'pull-request'; number: number } | { kind: 'merge-group'; baseRef: string; headRef: string };

export function readExternalId(externalId: string): Carried | null {
  // Check runs made before subjects carried the bare pull request number.
  const number = Number(externalId.replace(/^pr:/, ''));
  if (/^(pr:)?\d+$/.test(externalId) && Number.isSafeInteger(number) && number > 0) return { kind: 'pull-request', number };
  const group = /^merge-group:([^:]+):(.+)$/.exec(externalId);
  return group ? { kind: 'merge-group', baseRef: group[1]!, headRef: group[2]! } : null;
}

/**
 * One lane per pull request or merge group: a newer subject for the same lane
 * supersedes the older one.
 */
export function laneOf(subject: Subject): string {
  const { owner, repo } = subject.repository;
  return subject.reportTo.kind === 'pull-request' ? `${owner}/${repo}#${subject.reportTo.number}` : `${owner}/${repo}@${subject.headRef}`;
}

/** How the subject is named in logs. */
export function describeSubject(subject: Subject): string {
  return `${laneOf(subject)}${subject.headSha ? ` ${subject.headSha.slice(0, 7)}` : ''} (${subject.asked.by === 'command' ? `/driftbot ${subject.asked.command}` : subject.asked.by})`;
}
