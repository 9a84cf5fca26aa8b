/**
 * The `driftbot` check run of a commit: created in progress when work starts, its
 * summary updated as stages finish, completed with the report. GitHub takes at most
 * 50 annotations per request, so they go in batches. The subject rides in `external_id`
 * (`pr:12`, `merge-group:…`), because a re-requested check run carries no pull request
 * for forks, and none at all for a merge group.
 */
import type { CheckRunOutput } from '../report/check-run.js';
import type { GitHubClient } from './client.js';
import { externalIdOf, type Repository, type Subject } from './subject.js';
import type { CheckRunLedger, OpenCheckRun } from './check-run-ledger.js';

export const CHECK_NAME = 'driftbot';
const ANNOTATIONS_PER_REQUEST = 50;

export class CheckRun {
  private lastProgress = 0;

  private constructor(
    private readonly octokit: GitHubClient,
    private readonly target: Repository,
    readonly id: number,
    readonly url: string | null,
    private readonly ledger: CheckRunLedger | null,
  ) {}

  static async start(octokit: GitHubClient, subject: Subject, headSha: string, summary: string, ledger: CheckRunLedger | null = null): Promise<CheckRun> {
    const target = subject.repository;
    const output = { title: 'Building databases…', summary };
    // An earlier attempt of this job (its worker died) left its check run open: carry on with it.
    const earlier = await ledger?.earlier();
    if (earlier) {
      if (earlier.headSha === headSha) {
        const { data } = await octokit.rest.checks.update({ owner: target.owner, repo: target.repo, check_run_id: earlier.checkRunId, status: 'in_progress', output });
        return new CheckRun(octokit, target, earlier.checkRunId, data.html_url ?? null, ledger);
      }
      await new CheckRun(octokit, target, earlier.checkRunId, null, ledger).supersede();
    }
    const { data } = await octokit.rest.checks.create({
      owner: target.owner,
      repo: target.repo,
      name: CHECK_NAME,
      head_sha: headSha,
      status: 'in_progress',
      external_id: externalIdOf(subject),
      started_at: new Date().toISOString(),
      output,
    });
    if (ledger && target.installationId !== null) {
      await ledger.add({ installationId: target.installationId, owner: target.owner, repo: target.repo, checkRunId: data.id, headSha });
    }
    return new CheckRun(octokit, target, data.id, data.html_url ?? null, ledger);
  }

  /** Progress in the summary, at most every few seconds. */
  async progress(summary: string, minIntervalMs = 3000): Promise<void> {
    if (Date.now() - this.lastProgress < minIntervalMs) return;
    this.lastProgress = Date.now();
    await this.octokit.rest.checks.update({ owner: this.target.owner, repo: this.target.repo, check_run_id: this.id, output: { title: 'Building databases…', summary } });
  }

  async complete(output: CheckRunOutput): Promise<void> {
    const { owner, repo } = this.target;
    const batches: CheckRunOutput['annotations'][] = [];
    for (let i = 0; i < output.annotations.length; i += ANNOTATIONS_PER_REQUEST) batches.push(output.annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
    const [first, ...rest] = batches.length ? batches : [[]];
    for (const annotations of rest) {
      await this.octokit.rest.checks.update({ owner, repo, check_run_id: this.id, output: { title: output.title, summary: output.summary, annotations } });
    }
    await this.octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: this.id,
      status: 'completed',
      conclusion: output.conclusion,
      completed_at: new Date().toISOString(),
      output: { title: output.title, summary: output.summary, annotations: first },
    });
    await this.ledger?.remove(this.id);
  }

  /** A run whose commit is no longer the pull request's head: closed without a verdict. */
  async supersede(): Promise<void> {
    await CheckRun.finishSuperseded(this.octokit, { ...this.target, checkRunId: this.id });
    await this.ledger?.remove(this.id);
  }

  static async finishSuperseded(octokit: GitHubClient, run: { owner: string; repo: string; checkRunId: number }): Promise<void> {
    await octokit.rest.checks.update({
      owner: run.owner,
      repo: run.repo,
      check_run_id: run.checkRunId,
      status: 'completed',
      conclusion: 'cancelled',
      completed_at: new Date().toISOString(),
      output: { title: 'Superseded by a newer commit', summary: 'A newer push arrived while this commit was analysed; its result was not posted.' },
    });
  }

  /** A check run whose job will not run again (its attempts ran out while workers died): completed as interrupted, with how to run it again. */
  static async finishInterrupted(octokit: GitHubClient, run: OpenCheckRun): Promise<void> {
    await octokit.rest.checks.update({
      owner: run.owner,
      repo: run.repo,
      check_run_id: run.checkRunId,
      status: 'completed',
      conclusion: 'neutral',
      completed_at: new Date().toISOString(),
      output: {
        title: 'Interrupted',
        summary: 'driftbot stopped while it was analysing this commit. Use "Re-run" on this check, the `driftbot:rerun` label or `/driftbot check` to run it again.',
      },
    });
  }
}
