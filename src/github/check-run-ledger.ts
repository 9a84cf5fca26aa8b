/**
 * Where a job notes the check run it started, until it completes it, so that a worker
 * killed mid-analysis is not the end of it: the job's next attempt carries on with the
 * same check run (one check run per job), and a job that will not run again has its
 * check run completed as interrupted. The queue keeps it (`src/queue/job-ledger.ts`).
 */

export interface OpenCheckRun {
  installationId: number;
  owner: string;
  repo: string;
  checkRunId: number;
  /** The commit it is on: only an attempt on that commit may carry on with it. */
  headSha: string;
}

/** One job's notes. */
export interface CheckRunLedger {
  /** The check run an earlier attempt of this job started and did not complete, if any. */
  earlier(): Promise<OpenCheckRun | null>;
  add(run: OpenCheckRun): Promise<void>;
  remove(checkRunId: number): Promise<void>;
}

/**
 * What a job's AbortSignal carries when the job goes back to the queue (its worker stops
 * or was taken for dead): its check run stays open for the next attempt to carry on with.
 */
export class HandedBack extends Error {
  constructor() {
    super('handed back to the queue');
  }
}
