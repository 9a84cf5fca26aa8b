/**
 * `/driftbot apply` over GitHub's Git Data API (nock, through ./fake-github.ts), for
 * reports built by hand: every database's verified fix in one commit, or nothing and
 * a reply naming each fix left out and why.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { applyFixes, type PullRequestBranch } from '../../src/github/apply-fix.js';
import { summarize } from '../../src/report/summary.js';
import { cleanReport, fix, seedReport, twoDatabaseReport } from '../report/fixtures.js';
import { FakeGitHub, type PullState } from './fake-github.js';

const HEAD_SHA = 'e4f5a6b7c8d90718293a4b5c6d7e8f9012345678';
const branch: PullRequestBranch = { owner: 'o', repo: 'r', ref: 'feature', sha: HEAD_SHA, isFork: false, maintainerCanModify: false };
const pull: PullState = { number: 1, headSha: HEAD_SHA, headRef: 'feature', draft: false, fork: false, authorAssociation: 'OWNER', maintainerCanModify: false, files: [] };
const octokit = new ProbotOctokit({ retry: { enabled: false }, throttle: { enabled: false } });

function github(): FakeGitHub {
  const fake = new FakeGitHub('o', 'r', { ...pull });
  fake.install();
  return fake;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('/driftbot apply', () => {
  it('commits every database’s verified fix in one commit: one tree with all the files', async () => {
    const fake = github();
    const report = twoDatabaseReport();
    const reply = await applyFixes(octokit, branch, summarize(report));
    expect(fake.commits).toEqual([
      {
        files: report.fixes.map((f) => ({ path: f.path, content: f.content })),
        ref: 'feature',
        parent: HEAD_SHA,
        message: expect.stringMatching(/^Add oss000000009, an0003: reconcile schema drift \(driftbot\)/),
      },
    ]);
    expect(fake.gitRequests).toEqual(['blob', 'blob', 'get commit', 'tree', 'commit', 'update ref']);
    expect(reply).toBe(`Committed \`${report.fixes[0]!.path}\`, \`${report.fixes[1]!.path}\` (\`c0ffee0\`) to \`feature\`.`);
  });

  it('commits nothing while one fix is not verified, and names each fix left out and why', async () => {
    const fake = github();
    const analytics = twoDatabaseReport().fixes[1]!;
    const unverified = fix({ ...analytics, verified: false, remainingDifferences: 2 });
    const reply = await applyFixes(octokit, branch, summarize(twoDatabaseReport({ fixes: [fix(), unverified] })));
    expect(fake.gitRequests).toEqual([]);
    expect(fake.commits).toEqual([]);
    expect(reply).toBe(
      [
        'driftbot committed nothing: `/driftbot apply` commits the proposed migrations of every database together, and only when each one is verified.',
        '',
        `- \`${fix().path}\` (database \`core\`): verified, held back with the others.`,
        `- \`${analytics.path}\` (database \`analytics\`): not verified, 2 differences remain after applying it.`,
        '',
        'Review the proposals in the driftbot comment and add them by hand.',
      ].join('\n'),
    );
  });

  it('a fix that failed to apply: its error, one line, in a code span that nothing in it can break out of', async () => {
    const fake = github();
    const failed = fix({ verified: false, remainingDifferences: 0, verificationError: 'syntax error at ``` @octocat <img src=x>\nLINE 2' });
    const reply = await applyFixes(octokit, branch, summarize(seedReport({ fix: failed, fixes: [failed] })));
    expect(fake.gitRequests).toEqual([]);
    expect(reply).toContain('(database `core`): not verified, applying it failed: ````syntax error at ``` @octocat <img src=x>````.\n');
    expect(reply).not.toContain('LINE 2');
  });

  it('has nothing to apply when no migration was proposed', async () => {
    const fake = github();
    expect(await applyFixes(octokit, branch, summarize(cleanReport()))).toBe('There is nothing to apply: driftbot proposed no migration for this commit.');
    expect(fake.gitRequests).toEqual([]);
  });

  it('a fork its author keeps locked: every file to add by hand, and no request to GitHub', async () => {
    const fake = github();
    const report = twoDatabaseReport();
    const reply = await applyFixes(octokit, { ...branch, isFork: true }, summarize(report));
    expect(fake.gitRequests).toEqual([]);
    expect(reply).toMatch(/^driftbot cannot push to this fork/);
    for (const f of report.fixes) expect(reply).toContain(`add this file as \`${f.path}\`:\n\n\`\`\`python\n${f.content}`);
  });

  it('the branch moved since the analysis: the ref update is refused and nothing is committed', async () => {
    const fake = github();
    fake.branchMoved = true;
    const reply = await applyFixes(octokit, branch, summarize(twoDatabaseReport()));
    expect(fake.commits).toEqual([]);
    expect(reply).toBe('The branch moved while driftbot was working; nothing was committed. Run `/driftbot apply` again.');
  });
});
