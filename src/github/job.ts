/**
 * The one job, for any subject and however it was queued: check the subject, then
 * answer whoever asked. A new trigger is a constructor in `subject.ts`, never a new job.
 */
import { answer } from './answer.js';
import { checkSubject, type Engine, type GitHubAccess, type JobOutcome } from './check-subject.js';
import type { Subject } from './subject.js';

export async function runJob(github: GitHubAccess, subject: Subject, engine: Engine, signal: AbortSignal): Promise<JobOutcome> {
  const outcome = await checkSubject(github, subject, engine, signal);
  if (!signal.aborted) await answer(github.octokit, subject, outcome);
  return outcome;
}
