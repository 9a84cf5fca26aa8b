/**
 * The whole job for one pull request, as a plain function (it never sees Probot's
 * context): fetch its commits, decide whether it concerns migrations or models and
 * whether its code may run, analyse, then post — unless a newer push made the result
 * stale — one check run and the sticky comment.
 *
 * A run someone asked for (a command, the label, "Re-run") is pinned to the head the
 * pull request had when they asked: if the branch has moved by the time the job starts
 * or finishes, nothing is posted and the caller is told, so that nobody's request is
 * answered — or a fix committed — for a commit they never looked at.
 */
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
import type { CheckRunLedger } from './check-run-ledger.js';
import type { Checkout, CheckoutRequest } from './checkout.js';
import { pullRequestKey, type GitHubClient, type PullRequestTarget } from './client.js';
import { findStickyComment, upsertStickyComment } from './sticky-comment.js';
import { mayRunAutomatically } from './trust.js';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

/** What the app needs from the outside world, passed in so tests can swap any of it. */
export interface Engine {
  /** The analysis, bound to the app's Postgres server. */
  analyse(request: Omit<AnalysisRequest, 'server'>): Promise<Report>;
  /** The pull request's commits in a local repository. */
  checkout(request: CheckoutRequest, token: string | null): Promise<Checkout>;
  /** Whether clones need the installation token (not for local `file://` mirrors). */
  needsToken: boolean;
  /** Where started check runs are noted until completed; null to keep none. */
  ledger: CheckRunLedger | null;
}

/** Why the job runs: a push (gated on what changed), or someone with write access asked. */
export type Trigger = 'push' | 'label' | 'rerun' | 'command';

/** A push runs on whatever the head is; a run someone asked for, on the head they saw. */
export type Ask = { trigger: 'push' } | { trigger: Exclude<Trigger, 'push'>; headSha: string };

export interface CheckOutcome {
  moved?: undefined;
  report: Report;
  pullRequest: PullRequestInfo;
}

/** The head moved away from the commit someone asked about: nothing was posted. */
export interface BranchMoved {
  moved: true;
  askedSha: string;
  headSha: string;
}

export interface PullRequestInfo {
  headSha: string;
  headRef: string;
  headRepoOwner: string;
  headRepoName: string;
  isFork: boolean;
  maintainerCanModify: boolean;
}

const ENVIRONMENT_STEPS = { installing: 'installing', reused: 'already installed', ready: 'installed', adding: "adding driftbot's runner packages" };

/** The check run's progress line for a log line of the analysis, or null when it is not a step shown there. */
export function progressLine(line: string): string | null {
  const stage = /^(\S+): (fresh|base|upgraded): applying (.*)$/.exec(line);
  if (stage) return `- ${stage[1]}: ${stage[2]} · \`${stage[3]}\``;
  // The project's own dependencies: the side and the step only (file names are the pull request's).
  const environment = /^python environment for (head|base|start\d+): (installing|reused|ready|adding)\b/.exec(line);
  if (environment) return `- Python dependencies for ${environment[1]}: ${ENVIRONMENT_STEPS[environment[2] as keyof typeof ENVIRONMENT_STEPS]}`;
  return null;
}

export async function checkPullRequest(
  github: { octokit: GitHubClient; log: Logger },
  target: PullRequestTarget,
  ask: Ask,
  engine: Engine,
  signal: AbortSignal,
  /** Head commit last posted, per pull request: a burst of pushes ends in one result per commit. */
  posted: Map<string, string> = new Map(),
): Promise<CheckOutcome | BranchMoved | null> {
  const { octokit, log } = github;
  const { trigger } = ask;
  const askedSha = ask.trigger === 'push' ? null : ask.headSha;
  const { data: pr } = await octokit.rest.pulls.get({ owner: target.owner, repo: target.repo, pull_number: target.number });
  if (pr.state !== 'open') return null;
  if (askedSha && pr.head.sha !== askedSha) return { moved: true, askedSha, headSha: pr.head.sha };
  // Drafts wait for ready_for_review, unless someone asks.
  if (trigger === 'push' && pr.draft) return null;
  if (trigger === 'push' && posted.get(pullRequestKey(target)) === pr.head.sha) return null;

  const token = engine.needsToken ? ((await octokit.auth({ type: 'installation' })) as { token: string }).token : null;
  const checkout = await engine.checkout({ owner: target.owner, repo: target.repo, number: target.number, baseRef: pr.base.ref, headSha: pr.head.sha }, token);
  if (trigger === 'push' && !(await concernsSchema(octokit, target, checkout))) {
    log.info(`${target.owner}/${target.repo}#${target.number}: no migration, model or driftbot config changed`);
    return null;
  }
  if (signal.aborted) return null;

  const trusted =
    trigger !== 'push' ||
    mayRunAutomatically({ headRepoFullName: pr.head.repo?.full_name ?? null, baseRepoFullName: pr.base.repo.full_name, authorAssociation: pr.author_association });
  const check = await CheckRun.start(
    octokit,
    target,
    pr.head.sha,
    trusted ? 'Building the databases: fresh, upgraded from the base branch, and the models.' : 'Reading the revision history (static check).',
    engine.ledger,
  );
  const stages: string[] = [];
  const report = await engine.analyse({
    repo: checkout.repoDir,
    base: checkout.base,
    head: checkout.head,
    scope: trusted ? 'full' : 'static',
    // A newer push cancels this run: the runner stops at once instead of holding a slot.
    signal,
    log: (line) => {
      const stage = progressLine(line);
      if (!stage) return;
      stages.push(stage);
      void check.progress(`Building the databases:\n\n${stages.join('\n')}`).catch(() => {});
    },
  });

  // A newer push arrived: this result describes a commit nobody will merge.
  const { data: now } = await octokit.rest.pulls.get({ owner: target.owner, repo: target.repo, pull_number: target.number });
  if (signal.aborted || now.head.sha !== pr.head.sha) {
    log.info(`${target.owner}/${target.repo}#${target.number}: ${pr.head.sha.slice(0, 7)} superseded by ${now.head.sha.slice(0, 7)}, result not posted`);
    await check.supersede();
    return askedSha && !signal.aborted ? { moved: true, askedSha, headSha: now.head.sha } : null;
  }

  const links = sourceLinks(pr.html_url, target, pr.head.sha);
  const existing = await findStickyComment(octokit, target);
  const summary = summarize(report, existing?.previous);
  if (report.status !== 'clean' || existing) {
    await upsertStickyComment(octokit, target, existing, renderMarkdown(summary, { links, evidenceUrl: check.url ?? undefined }));
  }
  await check.complete(renderCheckRun(summary, { links }));
  posted.set(pullRequestKey(target), pr.head.sha);
  return {
    report,
    pullRequest: {
      headSha: pr.head.sha,
      headRef: pr.head.ref,
      headRepoOwner: pr.head.repo?.owner.login ?? target.owner,
      headRepoName: pr.head.repo?.name ?? target.repo,
      isFork: (pr.head.repo?.full_name ?? '') !== pr.base.repo.full_name,
      maintainerCanModify: pr.maintainer_can_modify,
    },
  };
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

function sourceLinks(pullRequestUrl: string, target: PullRequestTarget, sha: string): SourceLinks {
  const origin = new URL(pullRequestUrl).origin;
  return (path, line) => `${origin}/${target.owner}/${target.repo}/blob/${sha}/${path.split('/').map(encodeURIComponent).join('/')}${line ? `#L${line}` : ''}`;
}
