import type { ProbotOctokit } from 'probot';

/** The GitHub client the handlers use: Probot's Octokit (retries and throttling included). */
export type GitHubClient = InstanceType<typeof ProbotOctokit>;

export interface PullRequestTarget {
  owner: string;
  repo: string;
  number: number;
}

export function pullRequestKey(target: PullRequestTarget): string {
  return `${target.owner}/${target.repo}#${target.number}`;
}

/** The head the pull request has now: what someone who asks now is looking at. */
export async function currentHead(octokit: GitHubClient, target: PullRequestTarget): Promise<string> {
  const { data } = await octokit.rest.pulls.get({ owner: target.owner, repo: target.repo, pull_number: target.number });
  return data.head.sha;
}
