/**
 * A subject checked, for any subject, as a plain function (it never sees Probot's
 * context or the webhook): find what to check, check it out, decide whether its code
 * may run, analyse, then post — unless a newer push made the result stale — where the
 * subject says (a pull request: a check run and the sticky comment; a merge group: a
 * check run).
 *
 * A run someone asked for (a command, the label, "Re-run") is pinned to the head the
 * pull request had when they asked: if the branch has moved by the time the job starts
 * or finishes, nothing is posted and they are told, so that nobody's request is
 * answered — or a fix committed — for a commit they never looked at.
 */
import { progressLine } from './progress.js';
import type { AnalysisRequest } from '../analysis/analyse.js';
import type { Report } from '../report/report.js';
import type { DriftbotConfig } from '../config/config.js';
import { ConfigError, CONFIG_PATHS, loadConfig } from '../config/load.js';
import { matchGlobs } from '../workspace/globs.js';
import { renderCheckRun } from '../report/check-run.js';
import { renderMarkdown, type SourceLinks } from '../report/markdown.js';
import { summarize } from '../report/summary.js';
import { repoFilesAt } from '../workspace/repo-files.js';
import { CheckRun } from './check-run.js';
import { HandedBack, type CheckRunLedger } from './check-run-ledger.js';
import type { Checkout, CheckoutRequest } from './checkout.js';
import { currentHead, type GitHubClient, type PullRequestTarget } from './client.js';
import { findStickyComment, upsertStickyComment } from './sticky-comment.js';
import { mayRunAutomatically } from './trust.js';
import { laneOf, type Subject } from './subject.js';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

/** What the app needs from the outside world, passed in so tests can swap any of it. */
export interface Engine {
  /** The analysis, bound to the app's Postgres server. */
  analyse(request: Omit<AnalysisRequest, 'server'>): Promise<Report>;
  /** The subject's commits in a local repository. */
  checkout(request: CheckoutRequest, token: string | null): Promise<Checkout>;
  /** Whether clones need the installation token (not for local `file://` mirrors). */
  needsToken: boolean;
  /** Where this job's check run is noted until completed; null to keep none. */
  ledger: CheckRunLedger | null;
  /** The head last posted per lane, shared by every worker: a burst of pushes, or an old delivery again, ends in one result per commit. */
  posted: PostedHeads;
}

export interface GitHubAccess {
  octokit: GitHubClient;
  log: Logger;
}

export interface PostedHeads {
  last(lane: string): Promise<string | null>;
  record(lane: string, headSha: string): Promise<void>;
}

/** What the subject resolved to when the job started. */
interface Resolved {
  headSha: string;
  checkout: CheckoutRequest;
  /** May its code run (the whole analysis), or only the static check? */
  trusted: boolean;
  /** Where source links point: the web origin GitHub's pages are on. */
  origin: string;
  pullRequest: PullRequestInfo | null;
}

export interface PullRequestInfo {
  number: number;
  headRef: string;
  headRepoOwner: string;
  headRepoName: string;
  isFork: boolean;
  maintainerCanModify: boolean;
}

/** How a job ended, for whoever asked. */
export type JobOutcome =
  /** The result was posted. */
  | { kind: 'posted'; report: Report; headSha: string; pullRequest: PullRequestInfo | null }
  /** The head moved away from the commit someone asked about: nothing was posted. */
  | { kind: 'moved'; askedSha: string; headSha: string }
  /** The pull request is closed: nothing to check. */
  | { kind: 'closed' }
  /** Nothing to do (a draft, a head already posted, nothing schema-related changed) or cancelled. */
  | { kind: 'skipped' };

export async function checkSubject(github: GitHubAccess, subject: Subject, engine: Engine, signal: AbortSignal): Promise<JobOutcome> {
  const { octokit, log } = github;
  const { owner, repo } = subject.repository;
  const push = subject.asked.by === 'push';
  const resolved = await resolve(octokit, subject);
  if ('kind' in resolved) return resolved;
  if (push && (await engine.posted.last(laneOf(subject))) === resolved.headSha) return { kind: 'skipped' };

  const token = engine.needsToken ? ((await octokit.auth({ type: 'installation' })) as { token: string }).token : null;
  const checkout = await engine.checkout(resolved.checkout, token);
  if (push && resolved.pullRequest && !(await concernsSchema(octokit, { owner, repo, number: resolved.pullRequest.number }, checkout))) {
    log.info(`${laneOf(subject)}: no migration, model or driftbot config changed`);
    return { kind: 'skipped' };
  }
  if (signal.aborted) return { kind: 'skipped' };

  const check = await CheckRun.start(
    octokit,
    subject,
    resolved.headSha,
    resolved.trusted ? 'Building the databases: fresh, upgraded from the base branch, and the models.' : 'Reading the revision history (static check).',
    engine.ledger,
  );
  const stages: string[] = [];
  const report = await engine.analyse({
    repo: checkout.repoDir,
    // The base commit the event named, when it named one (a merge group's).
    base: subject.baseSha && subject.baseRef ? { ref: subject.baseRef, sha: subject.baseSha } : checkout.base,
    head: checkout.head,
    scope: resolved.trusted ? 'full' : 'static',
    // A newer push cancels this run: the runner stops at once instead of holding a slot.
    signal,
    log: (line) => {
      const stage = progressLine(line);
      if (!stage) return;
      stages.push(stage);
      void check.progress(`Building the databases:\n\n${stages.join('\n')}`).catch(() => {});
    },
  });

  // Back to the queue: the next attempt carries on with this check run.
  if (signal.reason instanceof HandedBack) return { kind: 'skipped' };
  // A newer push arrived: this result describes a commit nobody will merge.
  const headNow = resolved.pullRequest ? await currentHead(octokit, { owner, repo, number: resolved.pullRequest.number }) : resolved.headSha;
  if (signal.aborted || headNow !== resolved.headSha) {
    log.info(`${laneOf(subject)}: ${resolved.headSha.slice(0, 7)} superseded by ${headNow.slice(0, 7)}, result not posted`);
    await check.supersede();
    return subject.headSha && !push && !signal.aborted ? { kind: 'moved', askedSha: subject.headSha, headSha: headNow } : { kind: 'skipped' };
  }

  const links = sourceLinks(resolved.origin, subject, resolved.headSha);
  if (resolved.pullRequest) {
    const target = { owner, repo, number: resolved.pullRequest.number };
    const existing = await findStickyComment(octokit, target);
    const summary = summarize(report, existing?.previous);
    if (report.status !== 'clean' || existing) {
      await upsertStickyComment(octokit, target, existing, renderMarkdown(summary, { links, evidenceUrl: check.url ?? undefined }));
    }
    await check.complete(renderCheckRun(summary, { links }));
  } else {
    await check.complete(renderCheckRun(summarize(report), { links }));
  }
  await engine.posted.record(laneOf(subject), resolved.headSha);
  return { kind: 'posted', report, headSha: resolved.headSha, pullRequest: resolved.pullRequest };
}

/** A pull request is read when the job starts (its head, base, draft state, author); a merge group says all in its event. */
async function resolve(octokit: GitHubClient, subject: Subject): Promise<Resolved | JobOutcome> {
  const { owner, repo } = subject.repository;
  if (subject.reportTo.kind === 'merge-group') {
    // Only people with write access can queue a pull request: the code in a merge group is code a maintainer chose to merge.
    if (!subject.headSha || !subject.headRef || !subject.baseRef) throw new Error(`merge group subject without its commits: ${JSON.stringify(subject)}`);
    return {
      headSha: subject.headSha,
      checkout: { owner, repo, baseRef: subject.baseRef, headSha: subject.headSha, headRef: subject.headRef },
      trusted: true,
      origin: webOrigin(octokit),
      pullRequest: null,
    };
  }
  const number = subject.reportTo.number;
  const { data: pr } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
  if (pr.state !== 'open') return { kind: 'closed' };
  const push = subject.asked.by === 'push';
  // A push checks whatever the head is now (its event may be an old one, delivered again); someone who asked, the head they saw.
  if (!push && subject.headSha && pr.head.sha !== subject.headSha) return { kind: 'moved', askedSha: subject.headSha, headSha: pr.head.sha };
  // Drafts wait for ready_for_review, unless someone asks.
  if (push && pr.draft) return { kind: 'skipped' };
  return {
    headSha: pr.head.sha,
    checkout: { owner, repo, baseRef: pr.base.ref, headSha: pr.head.sha, pullRequest: number },
    trusted:
      !push || mayRunAutomatically({ headRepoFullName: pr.head.repo?.full_name ?? null, baseRepoFullName: pr.base.repo.full_name, authorAssociation: pr.author_association }),
    origin: new URL(pr.html_url).origin,
    pullRequest: {
      number,
      headRef: pr.head.ref,
      headRepoOwner: pr.head.repo?.owner.login ?? owner,
      headRepoName: pr.head.repo?.name ?? repo,
      isFork: (pr.head.repo?.full_name ?? '') !== pr.base.repo.full_name,
      maintainerCanModify: pr.maintainer_can_modify,
    },
  };
}

/** github.com's pages for api.github.com; a GitHub Enterprise server's for its `/api/v3`. */
function webOrigin(octokit: GitHubClient): string {
  const api = new URL(octokit.request.endpoint.DEFAULTS.baseUrl);
  return api.hostname === 'api.github.com' ? 'https://github.com' : api.origin;
}

/**
 * Does the pull request touch a chain's folder, a model file, an Alembic setup or
 * driftbot's own configuration (as head's configuration or discovery sees them)?
 */
async function concernsSchema(octokit: GitHubClient, target: PullRequestTarget, checkout: Checkout): Promise<boolean> {
  const changed = (await octokit.paginate(octokit.rest.pulls.listFiles, { owner: target.owner, repo: target.repo, pull_number: target.number, per_page: 100 })).flatMap((file) =>
    [file.filename, file.previous_filename].filter((name): name is string => !!name),
  );
  if (changed.some((path) => CONFIG_PATHS.includes(path) || path.endsWith('alembic.ini'))) return true;
  const files = await repoFilesAt(checkout.repoDir, checkout.head.sha);
  let config: DriftbotConfig;
  try {
    config = await loadConfig(files);
  } catch (error) {
    // A broken configuration is worth a comment; no Alembic setup at all is not our business.
    return error instanceof ConfigError && CONFIG_PATHS.some((path) => files.paths.includes(path));
  }
  const folders = config.databases.flatMap((d) => d.chains.map((c) => `${c.versions}/`));
  const models = new Set(config.databases.flatMap((d) => matchGlobs(files.paths, d.models)));
  return changed.some((path) => folders.some((folder) => path.startsWith(folder)) || models.has(path));
}

function sourceLinks(origin: string, subject: Subject, sha: string): SourceLinks {
  const { owner, repo } = subject.repository;
  return (path, line) => `${origin}/${owner}/${repo}/blob/${sha}/${path.split('/').map(encodeURIComponent).join('/')}${line ? `#L${line}` : ''}`;
}
