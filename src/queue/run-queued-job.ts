/**
 * A queued job run: the worker's installation client made from the subject's
 * `installationId` with the App's credentials (the job carries no token), then the one
 * job (`github/job.ts`), logged with its job and delivery ids, repository and pull request.
 */
import type { CheckRunLedger } from '../github/check-run-ledger.js';
import { CheckRun } from '../github/check-run.js';
import type { Engine } from '../github/check-subject.js';
import type { GitHubClient } from '../github/client.js';
import { runJob } from '../github/job.js';
import { laneOf, type Subject } from '../github/subject.js';
import type { Metrics } from './metrics.js';
import type { QueuedJob, WorkerOptions } from './worker.js';

export type Log = WorkerOptions['log'];

/** One JSON object per line on stdout: what a log collector reads. */
export const jsonLog: Log = (level, message, fields = {}) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`);
};

export interface JobDependencies {
  engine: Omit<Engine, 'ledger' | 'posted'>;
  /** The heads last posted, kept in the queue database for every worker. */
  posted: Engine['posted'];
  /** The App's client for an installation. */
  clientFor(installationId: number): Promise<GitHubClient>;
  metrics: Metrics | null;
  log: Log;
  /** Queues more work: the pull request's current head, after a request about an older one came too late. */
  enqueue(subject: Subject, delivery: { id: string | null; receivedAt: number }): Promise<unknown>;
}

export function queuedJobRunner(deps: JobDependencies): Pick<WorkerOptions, 'run' | 'finishCheckRun' | 'onJobEnd'> {
  return {
    run: async (job: QueuedJob, signal: AbortSignal, ledger: CheckRunLedger) => {
      const { subject } = job.data;
      const fields = {
        jobId: job.id,
        deliveryId: job.data.deliveryId,
        repository: `${subject.repository.owner}/${subject.repository.repo}`,
        ...(subject.reportTo.kind === 'pull-request' ? { pullRequest: subject.reportTo.number } : { mergeGroup: subject.headRef }),
        attempt: job.retryCount + 1,
      };
      if (subject.repository.installationId === null) throw new Error(`${laneOf(subject)}: a job without an installation`);
      const octokit = await deps.clientFor(subject.repository.installationId);
      const log = { info: (message: string) => deps.log('info', message, fields), warn: (message: string) => deps.log('warn', message, fields) };
      log.info('job started');
      const engine: Engine = {
        ...deps.engine,
        analyse: async (request) => {
          const report = await deps.engine.analyse(request);
          deps.metrics?.analysed(report);
          return report;
        },
        ledger,
        posted: deps.posted,
      };
      try {
        const outcome = await runJob({ octokit, log }, subject, engine, signal);
        if (outcome.kind === 'posted') {
          deps.metrics?.postedAfter(Date.now() - job.data.receivedAt);
          log.info(`posted: ${outcome.report.status}`);
        }
        // A request about an older head (an old event delivered again, say) that superseded other work may have
        // cancelled the check of the newer head: the pull request's head as it is now is checked, unless it already was.
        if (outcome.kind === 'moved' && job.data.supersededOthers && subject.reportTo.kind === 'pull-request') {
          await deps.enqueue({ ...subject, headSha: null, asked: { by: 'push' } }, { id: job.data.deliveryId, receivedAt: job.data.receivedAt });
        }
      } catch (error) {
        deps.metrics?.failure((error as { status?: unknown }).status !== undefined ? 'github' : 'exception');
        throw error;
      }
    },
    finishCheckRun: async (run, why) => {
      const octokit = await deps.clientFor(run.installationId);
      if (why === 'interrupted') {
        deps.metrics?.failure('worker-lost');
        await CheckRun.finishInterrupted(octokit, run);
      } else {
        await CheckRun.finishSuperseded(octokit, run);
      }
    },
    onJobEnd: (_job, outcome) => deps.metrics?.jobEnded(outcome),
  };
}
