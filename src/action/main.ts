/**
 * The GitHub Action (action.yml, docs/contract.md §5): the same engine and renderers as
 * the App and the CLI, run inside the workflow's own job on its own checkout. It reads
 * what GitHub gives an action (the event file, `GITHUB_*`, `INPUT_*`), analyses the
 * checked-out commit against the pull request's base, and reports four ways: the job
 * summary, annotations on the migration lines, the sticky comment (when the token may
 * write: never on a fork) and the step's outputs. The exit code follows `fail-on`.
 *
 * `runAction` takes the environment as a value and returns the exit code, so tests run
 * it in-process; only `run` touches process.exit.
 */
import { appendFile, readFile, realpath, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { Octokit } from '@octokit/rest';
import { analyse } from '../analysis/analyse.js';
import { configuredPostgresVersion } from '../config/postgres-version.js';
import { openServer } from '../postgres/server.js';
import { renderCheckRun } from '../report/check-run.js';
import { renderMarkdown, renderMarkdownBody, type SourceLinks } from '../report/markdown.js';
import type { Fix, Report } from '../report/report.js';
import { summarize, type Summary } from '../report/summary.js';
import { git, resolveCommit } from '../workspace/git.js';
import { repoFilesAt } from '../workspace/repo-files.js';
import { isShuttingDown } from '../shutdown.js';
import type { GitHubClient } from '../github/client.js';
import { findStickyComment, upsertStickyComment } from '../github/sticky-comment.js';
import { DEFAULT_CONFIG, exitCode, InputError, readInputs, type ActionInputs } from './inputs.js';
import { escapeData, escapeProperty, outputLines, workflowCommands } from './outputs.js';
import { findPython } from './python.js';
import { subjectOf, type ActionSubject } from './subject.js';

type Env = Record<string, string | undefined>;
type Write = (text: string) => void;

export async function runAction(env: Env, write: Write = (text) => process.stdout.write(text)): Promise<number> {
  let inputs: ActionInputs;
  let report: Report;
  let subject: ActionSubject;
  let workspace: string;
  try {
    workspace = required(env, 'GITHUB_WORKSPACE');
    inputs = readInputs(env);
    subject = subjectOf(required(env, 'GITHUB_EVENT_NAME'), JSON.parse(await readFile(required(env, 'GITHUB_EVENT_PATH'), 'utf8')));
    report = await analyseCheckout(env, workspace, inputs, subject, write);
  } catch (error) {
    write(`::error::${escapeData((error as Error).message)}\n`);
    return 2;
  }

  const links = sourceLinks(env, report.head.sha);
  const summary = await postComment(env, inputs, subject, report, links, write);
  if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, `${renderMarkdownBody(summary, { links })}\n`);
  write(workflowCommands(renderCheckRun(summary).annotations));
  for (const error of report.errors) write(`::error ${error.path ? `file=${escapeProperty(error.path)},` : ''}title=driftbot could not analyse::${escapeData(error.message)}\n`);
  const fixPath = report.fix ? await writeFix(workspace, report.fix, write) : '';
  if (env.GITHUB_OUTPUT) await appendFile(env.GITHUB_OUTPUT, outputLines({ status: report.status, findings: String(report.findings.length), 'fix-path': fixPath }));
  return exitCode(report.status, inputs.failOn, report.hazards.filter((hazard) => !hazard.suppressed).length);
}

/**
 * The process entry, for bin/driftbot-action (run by action.yml). A cancelled job is
 * signalled: then the exit hook ends the process once the databases are dropped.
 */
export async function run(): Promise<void> {
  const code = await runAction(process.env);
  if (!isShuttingDown()) process.exit(code);
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set: driftbot's action runs as a step of a GitHub Actions job (for a local run, use \`driftbot check\`)`);
  return value;
}

async function analyseCheckout(env: Env, workspace: string, inputs: ActionInputs, subject: ActionSubject, write: Write): Promise<Report> {
  // The base commit, and the revision files' history, are only there with full history.
  if ((await git(workspace, ['rev-parse', '--is-shallow-repository'])).toString().trim() === 'true') {
    throw new Error(`${workspace} is a shallow clone: give actions/checkout \`fetch-depth: 0\` so that the base commit and the migrations' history are there`);
  }
  const head = await headOf(workspace, subject);
  const base = inputs.base ? await baseInput(workspace, inputs.base) : await baseOf(workspace, subject, head.sha);
  const python = findPython(inputs.python, env.PATH ?? '', workspace);
  const configFile = inputs.config === DEFAULT_CONFIG ? null : { path: inputs.config, text: await readConfigInput(workspace, inputs.config) };
  const log = (message: string) => write(`driftbot: ${message}\n`);
  log(`checking ${head.ref} (${head.sha.slice(0, 7)}) against ${base.ref} (${base.sha.slice(0, 7)}) with ${python}`);
  const server = await openServer({
    databaseUrl: inputs.databaseUrl,
    version: await configuredPostgresVersion(await repoFilesAt(workspace, head.sha), configFile),
    log: (line) => log(`postgres: ${line}`),
  });
  try {
    return await analyse({ repo: workspace, base, head, configFile, server, python, log });
  } finally {
    await server.stop();
  }
}

/** What the job checked out: for a pull request, GitHub's test merge commit, or its head. */
async function headOf(workspace: string, subject: ActionSubject): Promise<{ ref: string; sha: string }> {
  const sha = await resolveCommit(workspace, 'HEAD');
  return { ref: sha === subject.headSha ? subject.headRef : subject.reportTo.kind === 'pull-request' ? `pull/${subject.reportTo.number}/merge` : 'HEAD', sha };
}

/** A test merge commit's first parent (what merging would change); else where the branch left its base. */
async function baseOf(workspace: string, subject: ActionSubject, headSha: string): Promise<{ ref: string; sha: string }> {
  const [, firstParent, secondParent] = (await git(workspace, ['rev-list', '--parents', '-n', '1', headSha])).toString().trim().split(' ');
  if (firstParent && secondParent === subject.headSha) return { ref: subject.baseRef, sha: firstParent };
  try {
    return { ref: subject.baseRef, sha: (await git(workspace, ['merge-base', subject.baseSha, headSha])).toString().trim() };
  } catch {
    throw new Error(`the base commit ${subject.baseSha.slice(0, 7)} (${subject.baseRef}) is not in the checkout: give actions/checkout \`fetch-depth: 0\``);
  }
}

async function baseInput(workspace: string, ref: string): Promise<{ ref: string; sha: string }> {
  try {
    return { ref, sha: await resolveCommit(workspace, ref) };
  } catch {
    throw new InputError(
      `input "base": no commit "${ref}" in the checkout; give a branch, tag or sha that actions/checkout fetched (with \`fetch-depth: 0\`), such as origin/main`,
    );
  }
}

async function readConfigInput(workspace: string, path: string): Promise<string> {
  try {
    return await readFile(join(workspace, path), 'utf8');
  } catch {
    throw new InputError(
      `input "config": no file ${path} in the checkout; give the path of the driftbot configuration relative to the repository root, or leave it empty for ${DEFAULT_CONFIG}`,
    );
  }
}

/**
 * The sticky comment, when asked for and possible: a fork's token is read-only. A
 * missing permission is a warning, not a failure: the job summary has the report.
 */
async function postComment(env: Env, inputs: ActionInputs, subject: ActionSubject, report: Report, links: SourceLinks, write: Write): Promise<Summary> {
  if (!inputs.comment || subject.reportTo.kind !== 'pull-request') return summarize(report);
  if (subject.fork || !inputs.token) {
    write(`driftbot: ${subject.fork ? 'a pull request from a fork gets a read-only token' : 'no token'}: the report is in the job summary, not in a comment\n`);
    return summarize(report);
  }
  const [owner, repo] = required(env, 'GITHUB_REPOSITORY').split('/') as [string, string];
  const octokit = new Octokit({ auth: inputs.token, baseUrl: env.GITHUB_API_URL ?? 'https://api.github.com' }) as unknown as GitHubClient;
  const target = { owner, repo, number: subject.reportTo.number };
  try {
    const existing = await findStickyComment(octokit, target);
    const summary = summarize(report, existing?.previous);
    if (report.status !== 'clean' || existing) await upsertStickyComment(octokit, target, existing, renderMarkdown(summary, { links }));
    return summary;
  } catch (error) {
    write(
      `::warning::${escapeData(`could not post the driftbot comment (${(error as Error).message}): give the job \`permissions: pull-requests: write\`, or set the input comment: false`)}\n`,
    );
    return summarize(report);
  }
}

function sourceLinks(env: Env, sha: string): SourceLinks {
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const repository = env.GITHUB_REPOSITORY ?? '';
  return (path, line) => `${server}/${repository}/blob/${sha}/${path.split('/').map(encodeURIComponent).join('/')}${line ? `#L${line}` : ''}`;
}

/**
 * The proposed migration, written where it belongs in the checkout so a later step can
 * commit or upload it. Its folder comes from the pull request's configuration: it must
 * resolve inside the workspace (no symlink out), and no existing file is overwritten.
 */
async function writeFix(workspace: string, fix: Fix, write: Write): Promise<string> {
  const file = join(workspace, fix.path);
  try {
    const root = await realpath(workspace);
    const folder = await realpath(dirname(file));
    if (folder !== root && !folder.startsWith(root + sep)) throw new Error(`${dirname(fix.path)} leads outside the workspace`);
    await writeFile(join(folder, fix.path.split('/').pop()!), fix.content, { flag: 'wx' });
    return fix.path;
  } catch (error) {
    write(`::warning::${escapeData(`the proposed migration was not written to ${fix.path}: ${(error as Error).message}`)}\n`);
    return '';
  }
}
