/**
 * What to check, from the event payload GitHub hands the job (`GITHUB_EVENT_PATH`).
 * Pure. The head is whatever the job checked out (for `pull_request`, GitHub's test
 * merge commit); the payload says which pull request, its base, and whether it comes
 * from a fork — whose token is read-only, so nothing can be posted on it.
 */
export interface Subject {
  /** The pull request, or null for an event without one (a merge group). */
  number: number | null;
  baseRef: string;
  baseSha: string;
  headRef: string;
  headSha: string;
  fork: boolean;
}

interface Payload {
  repository?: { full_name?: string };
  pull_request?: { number: number; base: { ref: string; sha: string }; head: { ref: string; sha: string; repo: { full_name: string } | null } };
  merge_group?: { base_ref: string; base_sha: string; head_ref: string; head_sha: string };
}

export function subjectOf(eventName: string, payload: Payload): Subject {
  // pull_request_target gives the job a write token and the repository's secrets: a fork's
  // migrations must not run there, so it is refused rather than half-supported.
  if (eventName === 'pull_request_target') {
    throw new Error(
      "driftbot's action does not run on pull_request_target, whose job holds a write token and secrets while it would run the pull request's migrations: use `on: pull_request` (forks then get the job summary instead of a comment)",
    );
  }
  const pr = payload.pull_request;
  if (eventName === 'pull_request' && pr) {
    return {
      number: pr.number,
      baseRef: pr.base.ref,
      baseSha: pr.base.sha,
      headRef: pr.head.ref,
      headSha: pr.head.sha,
      // A deleted fork has no repository: it is still not this one.
      fork: pr.head.repo?.full_name !== payload.repository?.full_name,
    };
  }
  const group = payload.merge_group;
  if (eventName === 'merge_group' && group) {
    const branch = (ref: string) => ref.replace(/^refs\/heads\//, '');
    return { number: null, baseRef: branch(group.base_ref), baseSha: group.base_sha, headRef: branch(group.head_ref), headSha: group.head_sha, fork: false };
  }
  throw new Error(`driftbot's action runs on pull_request and merge_group events, not "${eventName}": add \`on: pull_request\` to the workflow`);
}
