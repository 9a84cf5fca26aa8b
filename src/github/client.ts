import type { ProbotOctokit } from 'probot';

/** The GitHub client the handlers use: Probot's Octokit (retries and throttling included). */
export type GitHubClient = InstanceType<typeof ProbotOctokit>;

export interface PullRequestTarget {
  owner: string;
  repo: string;
  number: number;
  /** The app installation the webhook came from, to finish its check runs after a restart. */
  installationId?: number;
}

export function pullRequestKey(target: PullRequestTarget): string {
  return `${target.owner}/${target.repo}#${target.number}`;
}
