/**
 * What to check, from the event payload GitHub hands the job (`GITHUB_EVENT_PATH`): the
 * App's `Subject` (`src/github/subject.ts`), built by the same constructors, plus
 * whether the pull request comes from a fork — whose token is read-only, so nothing can
 * be posted on it. Pure. The head is whatever the job checked out (for `pull_request`,
 * GitHub's test merge commit); the payload says which pull request, its base and head.
 */
import { subjectOfMergeGroup, type Subject } from '../github/subject.js';

export interface ActionSubject extends Subject {
  headSha: string;
  headRef: string;
  baseRef: string;
  baseSha: string;
  fork: boolean;
}

interface Payload {
  repository?: { full_name?: string; name?: string; owner?: { login: string } };
  pull_request?: { number: number; base: { ref: string; sha: string }; head: { ref: string; sha: string; repo: { full_name: string } | null } };
  merge_group?: { base_ref: string; base_sha: string; head_ref: string; head_sha: string };
}

export function subjectOf(eventName: string, payload: Payload): ActionSubject {
  // pull_request_target gives the job a write token and the repository's secrets: a fork's
  // migrations must not run there, so it is refused rather than half-supported.
  if (eventName === 'pull_request_target') {
    throw new Error(
      "driftbot's action does not run on pull_request_target, whose job holds a write token and secrets while it would run the pull request's migrations: use `on: pull_request` (forks then get the job summary instead of a comment)",
    );
  }
  // An Action runs without an App installation: the repository is all there is.
  const repository = { name: payload.repository?.name ?? '', owner: { login: payload.repository?.owner?.login ?? '' } };
  const pr = payload.pull_request;
  if (eventName === 'pull_request' && pr) {
    return {
      repository: { owner: repository.owner.login, repo: repository.name, installationId: null },
      headSha: pr.head.sha,
      headRef: pr.head.ref,
      baseRef: pr.base.ref,
      baseSha: pr.base.sha,
      reportTo: { kind: 'pull-request', number: pr.number },
      asked: { by: 'push' },
      // A deleted fork has no repository: it is still not this one.
      fork: pr.head.repo?.full_name !== payload.repository?.full_name,
    };
  }
  const group = payload.merge_group;
  if (eventName === 'merge_group' && group) {
    const subject = subjectOfMergeGroup({ repository, merge_group: group });
    return { ...subject, headSha: group.head_sha, headRef: subject.headRef!, baseRef: subject.baseRef!, baseSha: group.base_sha, fork: false };
  }
  throw new Error(`driftbot's action runs on pull_request and merge_group events, not "${eventName}": add \`on: pull_request\` to the workflow`);
}
