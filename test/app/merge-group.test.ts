/**
 * merge_group checks_requested through Probot: the queue's branch is fetched, its head
 * analysed against the group's base with the real engine, and the result posted as the
 * `driftbot` check run of the head commit. nock stands in for GitHub's API.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import nock from 'nock';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Probot, ProbotOctokit } from 'probot';
import { driftbotApp } from '../../src/app.js';
import { analyse } from '../../src/analysis/analyse.js';
import type { Report } from '../../src/report/report.js';
import { checkoutPullRequest } from '../../src/github/checkout.js';
import { startTestQueue } from '../support/queue.js';
import { createSeedRepository, VERSIONS } from '../../demo/seed-repo.js';
import type { GitFixture } from '../../demo/git-fixture.js';
import { testServer } from '../support/analysis.js';
import { FakeGitHub } from './fake-github.js';

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

let root: string;
let repo: GitFixture;

beforeAll(async () => {
  nock.disableNetConnect();
  root = await mkdtemp(join(tmpdir(), 'driftbot-test-merge-group-'));
  repo = (await createSeedRepository(join(root, 'git', 'o', 'r'))).repo;
});

afterEach(() => {
  nock.cleanAll();
});

afterAll(async () => {
  nock.enableNetConnect();
  await rm(root, { recursive: true, force: true });
});

describe('merge_group', () => {
  it('checks_requested: the group head is analysed against its base and reported on a driftbot check run of that commit, with no comment; “Re-run” checks it again', async () => {
    const baseSha = await repo.git('rev-parse', 'main');
    const headSha = await repo.git('rev-parse', 'feature');
    const queueBranch = `gh-readonly-queue/main/pr-1-${baseSha}`;
    await repo.git('branch', queueBranch, 'feature');
    const reports: Report[] = [];
    const probot = new Probot({
      appId: 1,
      privateKey,
      secret: 'test-secret',
      Octokit: ProbotOctokit.defaults((defaults: object) => ({ ...defaults, retry: { enabled: false }, throttle: { enabled: false } })),
      logLevel: 'warn',
    });
    const queue = await startTestQueue(probot, {
      analyse: async (request) => {
        const report = await analyse({ ...request, server: testServer() });
        reports.push(report);
        return report;
      },
      checkout: (request, token) => checkoutPullRequest(request, { cacheDir: join(root, 'cache'), cloneUrl: `file://${join(root, 'git')}/{owner}/{repo}`, token }),
      needsToken: false,
    });
    onTestFinished(() => queue.close());
    await probot.load(driftbotApp({ queue: { enqueue: async (subject, delivery) => void (await queue.queue.enqueue(subject, delivery)) } }));
    // The merge group is no pull request: any call about pull request 0 is unrouted and fails the test.
    const github = new FakeGitHub('o', 'r', {
      number: 1,
      headSha,
      headRef: 'feature',
      draft: false,
      fork: false,
      authorAssociation: 'OWNER',
      maintainerCanModify: false,
      files: [],
    });
    github.install();

    const merge_group = { head_sha: headSha, head_ref: `refs/heads/${queueBranch}`, base_sha: baseSha, base_ref: 'refs/heads/main', head_commit: { id: headSha } };
    await probot.receive({
      id: 'mg-1',
      name: 'merge_group',
      payload: { action: 'checks_requested', merge_group, repository: { name: 'r', full_name: 'o/r', owner: { login: 'o' } }, installation: { id: 2 } },
    } as never);
    await queue.queue.idle();
    expect(queue.errors).toEqual([]);

    expect(reports.map((r) => [r.base.ref, r.base.sha, r.head.ref, r.head.sha, r.status])).toEqual([['main', baseSha, queueBranch, headSha, 'drift']]);
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ head_sha: headSha, status: 'completed', conclusion: 'failure' });
    expect(github.checkRuns[0]!.output.title).toBe('3 schema differences · verified fix proposed');
    expect(github.checkRuns[0]!.annotations.map((a) => [a.path, a.start_line])).toEqual([
      [`${VERSIONS}/oss000000008_add_session_streams.py`, 23],
      [`${VERSIONS}/oss000000008_add_session_streams.py`, 24],
      [`${VERSIONS}/oss000000008_add_session_streams.py`, 25],
    ]);
    expect(github.comments).toEqual([]);
    expect(github.checkRuns[0]!.external_id).toBe(`merge-group:main:${queueBranch}`);

    // "Re-run" on that check run: the subject comes back from its external_id, and the group is checked again.
    await probot.receive({
      id: 'mg-rerun',
      name: 'check_run',
      payload: {
        action: 'rerequested',
        check_run: { name: 'driftbot', external_id: github.checkRuns[0]!.external_id, head_sha: headSha, pull_requests: [] },
        repository: { name: 'r', full_name: 'o/r', owner: { login: 'o' } },
        installation: { id: 2 },
      },
    } as never);
    await queue.queue.idle();
    expect(queue.errors).toEqual([]);
    expect(reports.map((r) => [r.base.ref, r.head.ref, r.head.sha, r.status])).toEqual([
      ['main', queueBranch, headSha, 'drift'],
      ['main', queueBranch, headSha, 'drift'],
    ]);
    // Without the group's base sha, the base is where the queue's branch left main: main itself here.
    expect(reports[1]!.base.sha).toBe(baseSha);
    expect(github.checkRuns).toHaveLength(2);
    expect(github.checkRuns[1]).toMatchObject({ head_sha: headSha, status: 'completed', conclusion: 'failure', external_id: `merge-group:main:${queueBranch}` });
    expect(github.comments).toEqual([]);
  });
});
