/**
 * The GitHub App end to end: webhooks in through Probot, GitHub's API faked with nock,
 * and underneath the real engine on a real local repository (DRIFTBOT_CLONE_URL-style
 * `file://` template), real Alembic and real Postgres.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import nock from 'nock';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeMiddleware, Probot, ProbotOctokit } from 'probot';
import { driftbotApp } from '../../src/app.js';
import { analyse } from '../../src/analysis/analyse.js';
import type { Report } from '../../src/report/report.js';
import { checkoutPullRequest } from '../../src/github/checkout.js';
import { startTestQueue, type TestQueue } from '../support/queue.js';
import { subjectOfPush } from '../../src/github/subject.js';
import { HELP } from '../../src/github/commands.js';
import { createSeedRepository, SEED_CONFIG, VERSIONS } from '../../demo/seed-repo.js';
import type { GitFixture } from '../../demo/git-fixture.js';
import { revision } from '../support/app-repo.js';
import { testServer } from '../support/analysis.js';
import { hostileMigration, PROBES } from '../support/hostile.js';
import { detectSandbox } from '../../src/sandbox/sandbox.js';
import { interpreterFolders } from '../../src/alembic/python-env.js';
import { FakeGitHub, type PullState } from './fake-github.js';

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

let root: string;
let repo: GitFixture;
let probot: Probot;
let queue: TestQueue;
const reports: Report[] = [];
let countAnalyses: ((run: Promise<unknown>) => Promise<unknown>) | null = null;
const repository = { name: 'r', full_name: 'o/r', owner: { login: 'o' } };
const installation = { id: 2 };

async function pullRef(number: number, ref: string): Promise<string> {
  const sha = await repo.git('rev-parse', ref);
  await repo.git('update-ref', `refs/pull/${number}/head`, sha);
  return sha;
}

function pull(over: Partial<PullState>): PullState {
  return {
    number: 1,
    headSha: '',
    headRef: 'feature',
    draft: false,
    fork: false,
    authorAssociation: 'OWNER',
    maintainerCanModify: false,
    files: [`${VERSIONS}/oss000000008_add_session_streams.py`],
    ...over,
  };
}

async function deliver(name: string, payload: object): Promise<void> {
  await probot.receive({ id: String(Math.random()), name, payload } as never);
  await idle();
}

/** Every job done, and none failed. */
async function idle(): Promise<void> {
  await queue.queue.idle();
  expect(queue.errors).toEqual([]);
}

beforeAll(async () => {
  nock.disableNetConnect();
  root = await mkdtemp(join(tmpdir(), 'driftbot-test-app-'));
  repo = (await createSeedRepository(join(root, 'git', 'o', 'r'))).repo;
});

/** A fresh app and queue for every test: what one test queued or posted must not leak into the next. */
async function startApp(options: { retry: boolean }): Promise<{ probot: Probot; queue: TestQueue }> {
  await queue?.close();
  const probot = new Probot({
    appId: 1,
    privateKey,
    secret: 'test-secret',
    Octokit: ProbotOctokit.defaults((defaults: object) => ({ ...defaults, retry: { enabled: options.retry }, throttle: { enabled: false } })),
    logLevel: 'warn',
  });
  const started = await startTestQueue(probot, {
    analyse: async (request) => {
      const run = analyse({ ...request, server: testServer() });
      const report = await (countAnalyses ? countAnalyses(run) : run);
      reports.push(report as Report);
      return report as Report;
    },
    checkout: (request, token) => checkoutPullRequest(request, { cacheDir: join(root, 'cache'), cloneUrl: `file://${join(root, 'git')}/{owner}/{repo}`, token }),
    needsToken: false,
  });
  await probot.load(driftbotApp({ queue: { enqueue: async (subject, delivery) => void (await started.queue.enqueue(subject, delivery)) } }));
  return { probot, queue: started };
}

beforeEach(async () => {
  ({ probot, queue } = await startApp({ retry: false }));
});

afterEach(() => {
  nock.cleanAll();
});

afterAll(async () => {
  await queue?.close();
  nock.enableNetConnect();
  await rm(root, { recursive: true, force: true });
});

describe('pull request events', () => {
  it('opened with drift: one sticky comment and a failing check run with annotations on the migration lines', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.install();
    await deliver('pull_request', { action: 'opened', number: 1, pull_request: { number: 1 }, repository, installation });
    expect(github.stickyComments()).toHaveLength(1);
    const body = github.stickyComments()[0]!.body;
    expect(body).toContain('schema drift: existing databases will not match this branch');
    expect(body).toContain(`[\`oss000000008\` L23](https://github.com/o/r/blob/${github.pull.headSha}/${VERSIONS}/oss000000008_add_session_streams.py#L23)`);
    expect(github.checkRuns).toHaveLength(1);
    const run = github.checkRuns[0]!;
    expect(run).toMatchObject({ head_sha: github.pull.headSha, status: 'completed', conclusion: 'failure', external_id: 'pr:1' });
    expect(run.annotations.map((a) => [a.path.split('/').pop(), a.start_line, a.annotation_level])).toEqual([
      ['oss000000008_add_session_streams.py', 23, 'failure'],
      ['oss000000008_add_session_streams.py', 24, 'failure'],
      ['oss000000008_add_session_streams.py', 25, 'warning'],
    ]);
    expect(run.output.title).toBe('3 schema differences · verified fix proposed');
    // Completed runs leave the notes of open ones.
    expect((await queue.queue.pool.query(`SELECT * FROM ${queue.queue.schema}.driftbot_check_runs`)).rows).toEqual([]);
  });

  it('a second push edits the same comment; a push that removes the drift says it is resolved and passes', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.install();
    await deliver('pull_request', { action: 'opened', number: 1, pull_request: { number: 1 }, repository, installation });
    const [first] = github.stickyComments();

    await repo.checkout('feature');
    await repo.commit('unrelated migration', {
      [`${VERSIONS}/oss000000009_more.py`]: revision('oss000000009', 'oss000000008', 'more', 'op.execute("CREATE TABLE extra (id int)")'),
    });
    github.pull.headSha = await pullRef(1, 'feature');
    await deliver('pull_request', { action: 'synchronize', number: 1, pull_request: { number: 1 }, repository, installation });
    expect(github.stickyComments()).toHaveLength(1);
    expect(github.stickyComments()[0]!.id).toBe(first!.id);
    expect(github.stickyComments()[0]!.body).toContain(github.pull.headSha.slice(0, 7));
    expect(github.stickyComments()[0]!.body).toContain('oss000000010');

    // Revert the in-place edit: the drift is gone.
    const baseFile = await repo.git('show', `main:${VERSIONS}/oss000000008_add_session_streams.py`);
    const baseDbas = await repo.git('show', 'main:api/oss/src/dbs/postgres/shared/dbas.py');
    const baseDbes = await repo.git('show', 'main:api/oss/src/dbs/postgres/sessions/streams/dbes.py');
    await repo.commit('undo the in-place edit', {
      [`${VERSIONS}/oss000000008_add_session_streams.py`]: `${baseFile}\n`,
      'api/oss/src/dbs/postgres/shared/dbas.py': `${baseDbas}\n`,
      'api/oss/src/dbs/postgres/sessions/streams/dbes.py': `${baseDbes}\n`,
    });
    github.pull.headSha = await pullRef(1, 'feature');
    await deliver('pull_request', { action: 'synchronize', number: 1, pull_request: { number: 1 }, repository, installation });
    expect(github.stickyComments()).toHaveLength(1);
    expect(github.stickyComments()[0]!.body).toContain('the schema drift reported earlier is resolved');
    expect(github.checkRuns.at(-1)).toMatchObject({ conclusion: 'success', output: { title: 'No schema drift' } });
    await repo.git('reset', '--hard', 'HEAD~2');
    await repo.checkout('main');
  });

  it('posts nothing when only unrelated files changed', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature'), files: ['README.md', 'api/oss/src/other.py'] }));
    github.install();
    await deliver('pull_request', { action: 'opened', number: 1, pull_request: { number: 1 }, repository, installation });
    expect(github.checkRuns).toEqual([]);
    expect(github.comments).toEqual([]);
  });

  it('reads every page of a pull request with 3,000 changed files', async () => {
    const files = Array.from({ length: 2999 }, (_, i) => `docs/page-${i}.md`);
    files.push(`${VERSIONS}/oss000000008_add_session_streams.py`);
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature'), files }));
    github.install();
    await deliver('pull_request', { action: 'opened', number: 1, pull_request: { number: 1 }, repository, installation });
    expect(github.filePagesServed).toBe(30);
    expect(github.checkRuns).toEqual([expect.objectContaining({ conclusion: 'failure' })]);
  });

  it('waits for a draft to be ready for review', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature'), draft: true }));
    github.install();
    await deliver('pull_request', { action: 'opened', number: 1, pull_request: { number: 1 }, repository, installation });
    expect(github.checkRuns).toEqual([]);
  });

  it('the driftbot:rerun label from someone with write access runs again, whatever changed, and is taken off', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature'), files: ['README.md'] }));
    github.permissions.maint = 'write';
    github.install();
    const sender = { login: 'maint', type: 'User' };
    await deliver('pull_request', {
      action: 'labeled',
      number: 1,
      label: { name: 'driftbot:rerun' },
      pull_request: { number: 1, head: { sha: github.pull.headSha } },
      sender,
      repository,
      installation,
    });
    expect(github.removedLabels).toEqual(['driftbot:rerun']);
    expect(github.checkRuns).toEqual([expect.objectContaining({ head_sha: github.pull.headSha, status: 'completed' })]);
    await deliver('pull_request', { action: 'labeled', number: 1, label: { name: 'bug' }, pull_request: { number: 1 }, sender, repository, installation });
    expect(github.checkRuns).toHaveLength(1);
  });

  it('a re-requested check run runs again, finding the pull request in external_id', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.install();
    await deliver('check_run', { action: 'rerequested', check_run: { name: 'driftbot', external_id: '1', pull_requests: [] }, repository, installation });
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]!.conclusion).toBe('failure');
  });

  it('the same delivery twice runs one analysis', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.install();
    const before = reports.length;
    const payload = { action: 'synchronize', number: 1, pull_request: { number: 1 }, repository, installation };
    await Promise.all([
      probot.receive({ id: 'delivery-42', name: 'pull_request', payload } as never),
      probot.receive({ id: 'delivery-42', name: 'pull_request', payload } as never),
    ]);
    await idle();
    expect(reports.length).toBe(before + 1);
    expect(github.checkRuns).toHaveLength(1);
    expect(github.stickyComments()).toHaveLength(1);
  });

  it('never posts a result whose head is no longer the pull request’s head', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.headShaSequence = [github.pull.headSha, 'f'.repeat(40)];
    github.install();
    await deliver('pull_request', { action: 'synchronize', number: 1, pull_request: { number: 1 }, repository, installation });
    expect(github.comments).toEqual([]);
    expect(github.checkRuns).toEqual([expect.objectContaining({ conclusion: 'cancelled' })]);
  });

  it('an invalid config gives a neutral check run and a comment naming the file, line and problem', async () => {
    await repo.branch('bad-config', 'feature');
    await repo.commit('typo in config', { '.github/driftbot.yml': SEED_CONFIG.replace('version_table:', 'version_tabel:') });
    const github = new FakeGitHub('o', 'r', pull({ number: 3, headRef: 'bad-config', headSha: await pullRef(3, 'bad-config'), files: ['.github/driftbot.yml'] }));
    github.install();
    await deliver('pull_request', { action: 'opened', number: 3, pull_request: { number: 3 }, repository, installation });
    await repo.checkout('main');
    expect(github.checkRuns).toEqual([expect.objectContaining({ conclusion: 'neutral' })]);
    expect(github.stickyComments()[0]!.body).toContain('.github/driftbot.yml:6:9: databases[0].chains[0].version_tabel: unknown key');
  });

  it('after a comment that could not analyse, a clean run says no drift, and not that drift was resolved', async () => {
    await repo.branch('config-fixed', 'main');
    await repo.commit('typo in config', { '.github/driftbot.yml': SEED_CONFIG.replace('version_table:', 'version_tabel:') });
    const github = new FakeGitHub('o', 'r', pull({ number: 4, headRef: 'config-fixed', headSha: await pullRef(4, 'config-fixed'), files: ['.github/driftbot.yml'] }));
    github.install();
    await deliver('pull_request', { action: 'opened', number: 4, pull_request: { number: 4 }, repository, installation });
    expect(github.stickyComments()[0]!.body).toMatch(
      /^<!-- driftbot:sticky \{"v":1,"status":"error","head":"[0-9a-f]{40}","findings":0\} -->\n\n## driftbot · could not analyse this branch\n/,
    );

    await repo.commit('fix the typo', { '.github/driftbot.yml': SEED_CONFIG });
    github.pull.headSha = await pullRef(4, 'config-fixed');
    await deliver('pull_request', { action: 'synchronize', number: 4, pull_request: { number: 4 }, repository, installation });
    await repo.checkout('main');
    expect(github.stickyComments()).toHaveLength(1);
    const body = github.stickyComments()[0]!.body;
    expect(body).toContain('\n## driftbot · no schema drift\n');
    expect(body).not.toContain('resolved');
    expect(body.split('\n')[0]).toBe(`<!-- driftbot:sticky {"v":1,"status":"clean","head":"${github.pull.headSha}","findings":0} -->`);
    expect(github.checkRuns.at(-1)).toMatchObject({ conclusion: 'success' });
  });

  it('a comment from an older driftbot, without state, is edited in place and claims nothing about it', async () => {
    const github = new FakeGitHub('o', 'r', pull({ number: 5, headRef: 'main', headSha: await pullRef(5, 'main') }));
    const old = {
      id: 9,
      body: '<!-- driftbot:sticky -->\n\n## driftbot · schema drift: existing databases will not match this branch\n',
      user: { login: 'driftbot[bot]', type: 'Bot' },
    };
    github.comments.push(old);
    github.install();
    await deliver('pull_request', { action: 'opened', number: 5, pull_request: { number: 5 }, repository, installation });
    expect(github.stickyComments().map((c) => c.id)).toEqual([9]);
    expect(old.body).toContain('\n## driftbot · no schema drift\n');
    expect(old.body).not.toContain('resolved');
  });

  it('a fork from a stranger gets the static part only: no migration of theirs runs', async () => {
    const marker = join(root, 'executed');
    await repo.branch('fork-branch', 'feature');
    await repo.commit('hostile migration', {
      [`${VERSIONS}/oss000000009_hostile.py`]: `open(${JSON.stringify(marker)}, "w").write("ran")\n${revision('oss000000009', 'oss000000008', 'hostile', 'pass')}`,
    });
    const github = new FakeGitHub('o', 'r', pull({ number: 2, headRef: 'fork-branch', headSha: await pullRef(2, 'fork-branch'), fork: true, authorAssociation: 'NONE' }));
    github.install();
    const before = reports.length;
    await deliver('pull_request', { action: 'opened', number: 2, pull_request: { number: 2 }, repository, installation });
    await repo.checkout('main');
    const report = reports.at(-1)!;
    expect(reports.length).toBe(before + 1);
    expect(report).toMatchObject({ scope: 'static', environment: expect.objectContaining({ databasesBuilt: 0 }) });
    expect(report.editedMigrations.map((e) => e.revision)).toEqual(['oss000000008']);
    expect(existsSync(marker)).toBe(false);
    expect(github.checkRuns).toEqual([
      expect.objectContaining({ conclusion: 'neutral', output: expect.objectContaining({ title: 'Static check only: a maintainer can run the full analysis' }) }),
    ]);
    expect(github.stickyComments()[0]!.body).toContain('A maintainer can run the full analysis with `/driftbot check`');
  });
});

describe('restarts', () => {
  it('a job whose worker died mid-analysis is retried and carries on with the same check run, which ends completed', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.install();
    await queue.worker.stop(0);
    const { queue: durable } = queue;
    const s = durable.schema;
    await durable.enqueue(subjectOfPush({ repository, installation, pull_request: { number: 1 } }), { id: 'd1', receivedAt: Date.now() });
    // What a worker killed mid-analysis leaves: its job active, its heartbeat old, its check run open.
    const [job] = await durable.boss.fetch('driftbot-check-2');
    await durable.pool.query(`INSERT INTO ${s}.driftbot_workers (id, seen_at) VALUES ('killed', now() - interval '1 hour')`);
    await durable.pool.query(`INSERT INTO ${s}.driftbot_running (job_id, queue, worker_id) VALUES ($1, 'driftbot-check-2', 'killed')`, [job!.id]);
    github.checkRuns.push({
      id: 555,
      head_sha: github.pull.headSha,
      status: 'in_progress',
      conclusion: null,
      external_id: 'pr:1',
      output: { title: 'Building databases…', summary: '' },
      annotations: [],
      updates: 0,
    });
    await durable.pool.query(
      `INSERT INTO ${s}.driftbot_check_runs (job_id, queue, installation_id, owner, repo, check_run_id, head_sha) VALUES ($1, 'driftbot-check-2', 2, 'o', 'r', 555, $2)`,
      [job!.id, github.pull.headSha],
    );

    await queue.newWorker();
    await idle();
    expect(github.checkRuns).toEqual([expect.objectContaining({ id: 555, status: 'completed', conclusion: 'failure' })]);
    expect(github.stickyComments()).toHaveLength(1);
    const { rows } = await durable.pool.query(`SELECT state, retry_count FROM ${s}.job WHERE id = $1`, [job!.id]);
    expect(rows).toEqual([{ state: 'completed', retry_count: 1 }]);
    expect((await durable.pool.query(`SELECT * FROM ${s}.driftbot_check_runs`)).rows).toEqual([]);
  });
});

describe('GitHub failing', () => {
  it('a 502 on posting the comment is retried, and there is still exactly one comment', async () => {
    ({ probot, queue } = await startApp({ retry: true }));
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.failCommentsWith = [502];
    github.install();
    await deliver('pull_request', { action: 'opened', number: 1, pull_request: { number: 1 }, repository, installation });
    expect(github.commentAttempts).toBe(2);
    expect(github.stickyComments()).toHaveLength(1);
    expect(github.checkRuns).toEqual([expect.objectContaining({ conclusion: 'failure' })]);
  });
});

describe('load', () => {
  it('twenty deliveries for five pull requests at once: one comment and one completed check run each, for the latest head', async () => {
    let running = 0;
    let mostAtOnce = 0;
    const github: FakeGitHub[] = [];
    const { GitFixture } = await import('../../demo/git-fixture.js');
    const payloads: { id: string; payload: object }[] = [];
    for (let p = 0; p < 5; p++) {
      const name = `load${p}`;
      const dir = join(root, 'git', 'o', name);
      await repo.git('clone', '--quiet', repo.dir, dir);
      const clone = await GitFixture.open(dir);
      await clone.checkout('feature');
      const heads: string[] = [];
      for (let push = 0; push < 4; push++) heads.push(await clone.commit(`push ${push}`, { [`notes/${push}.txt`]: `${push}\n` }));
      await clone.git('update-ref', 'refs/pull/1/head', heads.at(-1)!);
      const fake = new FakeGitHub('o', name, pull({ headSha: heads.at(-1)! }));
      fake.install();
      github.push(fake);
      for (let push = 0; push < 4; push++) {
        payloads.push({
          id: `${name}-${push}`,
          payload: { action: 'synchronize', number: 1, pull_request: { number: 1 }, repository: { name, full_name: `o/${name}`, owner: { login: 'o' } }, installation },
        });
      }
    }
    const analyseBefore = reports.length;
    const counting = (report: Promise<unknown>) => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      return report.finally(() => running--);
    };
    countAnalyses = counting;
    try {
      await Promise.all(payloads.map(({ id, payload }) => probot.receive({ id, name: 'pull_request', payload } as never)));
      await idle();
    } finally {
      countAnalyses = null;
    }
    expect(mostAtOnce).toBeLessThanOrEqual(2);
    expect(reports.length - analyseBefore).toBeLessThanOrEqual(10);
    for (const fake of github) {
      expect(fake.stickyComments()).toHaveLength(1);
      const completed = fake.checkRuns.filter((r) => r.head_sha === fake.pull.headSha && r.status === 'completed' && r.conclusion !== 'cancelled');
      expect(completed).toHaveLength(1);
      expect(fake.checkRuns.every((r) => r.status === 'completed')).toBe(true);
    }
  });
});

describe('size limits', () => {
  it('an oversized report is cut cleanly under GitHub’s limits, the schema diff first', async () => {
    await repo.branch('huge', 'feature');
    await repo.commit('400 tables added in place', {
      [`${VERSIONS}/oss000000007_session_flags.py`]: revision(
        'oss000000007',
        'oss000000006',
        'session flags',
        `op.add_column("sessions", sa.Column("flags", sa.dialects.postgresql.JSONB(), nullable=True))
for i in range(400):
    op.create_table(f"generated_table_with_a_long_name_{i:03d}", sa.Column("value", sa.Text()))`,
        'import sqlalchemy as sa\nimport sqlalchemy.dialects.postgresql\nfrom alembic import op\n',
      ),
    });
    const github = new FakeGitHub('o', 'r', pull({ number: 4, headRef: 'huge', headSha: await pullRef(4, 'huge') }));
    github.install();
    await deliver('pull_request', { action: 'opened', number: 4, pull_request: { number: 4 }, repository, installation });
    await repo.checkout('main');
    expect(reports.at(-1)!.findings.length).toBeGreaterThan(400);
    const body = github.stickyComments()[0]!.body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toContain(`[see the check run](https://github.com/o/r/runs/${github.checkRuns[0]!.id})`);
    expect((body.match(/^```/gm) ?? []).length % 2).toBe(0);
    expect(github.checkRuns[0]!.output.summary.length).toBeLessThanOrEqual(65_535);
    expect(github.checkRuns[0]!.conclusion).toBe('failure');
  });
});

describe('slash commands', () => {
  const comment = (body: string, login = 'maint') => ({
    action: 'created',
    issue: { number: 1, pull_request: { url: 'x' } },
    comment: { id: 77, body, user: { login, type: 'User' } },
    repository,
    installation,
  });

  it('/driftbot help answers with the commands', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.permissions.maint = 'maintain';
    github.install();
    await deliver('issue_comment', comment('/driftbot help'));
    expect(github.reactions).toEqual([{ commentId: 77, content: 'eyes' }]);
    expect(github.replies().map((c) => c.body)).toEqual([HELP]);
    expect(github.checkRuns).toEqual([]);
  });

  it('/driftbot check runs again and answers when done', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature'), files: ['README.md'] }));
    github.permissions.maint = 'write';
    github.install();
    await deliver('issue_comment', comment('/driftbot check'));
    expect(github.checkRuns).toHaveLength(1);
    expect(github.replies()[0]!.body).toMatch(/^driftbot checked `[0-9a-f]{7}`: schema drift/);
  });

  it('/driftbot explain replies with the full evidence', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.permissions.maint = 'admin';
    github.install();
    await deliver('issue_comment', comment('/driftbot explain'));
    const reply = github.replies()[0]!.body;
    expect(reply).toContain('Schema diff: upgraded → fresh');
    expect(reply).toContain('"schemaVersion": 1');
  });

  it('/driftbot apply commits the verified migration to the branch', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.permissions.maint = 'write';
    github.install();
    await deliver('issue_comment', comment('/driftbot apply'));
    expect(github.commits).toEqual([
      {
        files: [{ path: `${VERSIONS}/oss000000009_reconcile_schema_drift.py`, content: expect.stringContaining('revision = "oss000000009"') }],
        ref: 'feature',
        parent: github.pull.headSha,
        message: expect.stringMatching(/^Add oss000000009: reconcile schema drift \(driftbot\)/),
      },
    ]);
    expect(github.replies().at(-1)!.body).toMatch(/^Committed `.*oss000000009_reconcile_schema_drift.py` \(`c0ffee0`\) to `feature`/);
  });

  it('/driftbot apply on a fork that maintainers may not modify says how to apply it by hand', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature'), fork: true, authorAssociation: 'CONTRIBUTOR', maintainerCanModify: false }));
    github.permissions.maint = 'write';
    github.install();
    await deliver('issue_comment', comment('/driftbot apply'));
    expect(github.commits).toEqual([]);
    expect(github.replies().at(-1)!.body).toContain('cannot push to this fork');
    expect(github.replies().at(-1)!.body).toContain('revision = "oss000000009"');
  });

  it.each(['check', 'apply', 'explain', 'help'])('/driftbot %s from a read-only user is refused politely, and nothing runs', async (command) => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.permissions.reader = 'read';
    github.install();
    const before = reports.length;
    await deliver('issue_comment', comment(`/driftbot ${command}`, 'reader'));
    expect(reports.length).toBe(before);
    expect(github.checkRuns).toEqual([]);
    expect(github.reactions).toEqual([]);
    expect(github.replies().map((c) => c.body)).toEqual([`Sorry, \`/driftbot ${command}\` is for people with write access to this repository. A maintainer can run it for you.`]);
  });
});

describe('who may ask, and for which commit', () => {
  const comment = (body: string, login = 'maint') => ({
    action: 'created',
    issue: { number: 1, pull_request: { url: 'x' } },
    comment: { id: 77, body, user: { login, type: 'User' } },
    repository,
    installation,
  });
  const label = (login: string, headSha?: string) => ({
    action: 'labeled',
    number: 1,
    label: { name: 'driftbot:rerun' },
    pull_request: { number: 1, ...(headSha ? { head: { sha: headSha } } : {}) },
    sender: { login, type: 'User' },
    repository,
    installation,
  });
  const moved = 'f'.repeat(40);

  it('a driftbot:rerun label from a read-only user is taken off, runs nothing, and is answered once', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.permissions.triager = 'triage';
    github.install();
    const before = reports.length;
    await deliver('pull_request', label('triager', github.pull.headSha));
    await deliver('pull_request', label('triager', github.pull.headSha));
    expect(reports.length).toBe(before);
    expect(github.checkRuns).toEqual([]);
    expect(github.removedLabels).toEqual(['driftbot:rerun', 'driftbot:rerun']);
    expect(github.replies().map((c) => c.body)).toEqual(['Sorry, the `driftbot:rerun` label is for people with write access to this repository. A maintainer can add it for you.']);
  });

  it('refusals are rationed: one per person and pull request, whatever they try, while others still get theirs', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.install();
    for (const body of ['/driftbot check', '/driftbot apply', '/driftbot check', '/driftbot help']) await deliver('issue_comment', comment(body, 'reader'));
    await deliver('pull_request', label('reader', github.pull.headSha));
    await deliver('issue_comment', comment('/driftbot apply', 'someone-else'));
    expect(github.checkRuns).toEqual([]);
    expect(github.replies().map((c) => c.body)).toEqual([
      'Sorry, `/driftbot check` is for people with write access to this repository. A maintainer can run it for you.',
      'Sorry, `/driftbot apply` is for people with write access to this repository. A maintainer can run it for you.',
    ]);
  });

  it('/driftbot apply when the branch moved before the job started: refused, nothing analysed or committed', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.permissions.maint = 'write';
    // Asked at the head; by the time the job starts, a push moved it.
    github.headShaSequence = [github.pull.headSha, moved];
    github.install();
    const before = reports.length;
    await deliver('issue_comment', comment('/driftbot apply'));
    expect(reports.length).toBe(before);
    expect(github.checkRuns).toEqual([]);
    expect(github.commits).toEqual([]);
    expect(github.replies().map((c) => c.body)).toEqual([
      `driftbot did not run \`/driftbot apply\`: the branch moved from \`${github.pull.headSha.slice(0, 7)}\` to \`fffffff\` since you asked; ask again.`,
    ]);
  });

  it('/driftbot apply when the branch moved during the analysis: the result is not posted and nothing is committed', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.permissions.maint = 'write';
    github.headShaSequence = [github.pull.headSha, github.pull.headSha, moved];
    github.install();
    await deliver('issue_comment', comment('/driftbot apply'));
    expect(github.commits).toEqual([]);
    expect(github.stickyComments()).toEqual([]);
    expect(github.checkRuns).toEqual([expect.objectContaining({ head_sha: github.pull.headSha, conclusion: 'cancelled' })]);
    expect(github.replies().at(-1)!.body).toBe(
      `driftbot did not run \`/driftbot apply\`: the branch moved from \`${github.pull.headSha.slice(0, 7)}\` to \`fffffff\` since you asked; ask again.`,
    );
  });

  it('/driftbot apply when the branch moved after the analysis, just before committing: nothing is committed', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.permissions.maint = 'write';
    github.headShaSequence = [github.pull.headSha, github.pull.headSha, github.pull.headSha, moved];
    github.install();
    await deliver('issue_comment', comment('/driftbot apply'));
    expect(reports.at(-1)!.fix).toMatchObject({ verified: true });
    expect(github.commits).toEqual([]);
    expect(github.replies().at(-1)!.body).toBe(
      `driftbot did not run \`/driftbot apply\`: the branch moved from \`${github.pull.headSha.slice(0, 7)}\` to \`fffffff\` since you asked; ask again. Nothing was committed.`,
    );
  });

  it('the label and “Re-run” work on the commit they were given, not on whatever the head is by then', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.permissions.maint = 'write';
    github.headShaSequence = [moved];
    github.install();
    const before = reports.length;
    await deliver('pull_request', label('maint', github.pull.headSha));
    await deliver('check_run', {
      action: 'rerequested',
      check_run: { name: 'driftbot', external_id: '1', head_sha: github.pull.headSha, pull_requests: [] },
      repository,
      installation,
    });
    expect(reports.length).toBe(before);
    expect(github.checkRuns).toEqual([]);
    const short = github.pull.headSha.slice(0, 7);
    expect(github.replies().map((c) => c.body)).toEqual([
      `driftbot did not run again for the \`driftbot:rerun\` label: the branch moved from \`${short}\` to \`fffffff\` since you asked; ask again.`,
      `driftbot did not re-run the check: the branch moved from \`${short}\` to \`fffffff\` since you asked; ask again.`,
    ]);
  });
});

describe('webhook delivery', () => {
  it('refuses a forged signature', async () => {
    const github = new FakeGitHub('o', 'r', pull({ headSha: await pullRef(1, 'feature') }));
    github.install();
    const middleware = await createNodeMiddleware(() => {}, { probot });
    const server = createServer((req, res) => void middleware(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    nock.enableNetConnect('127.0.0.1');
    try {
      const { port } = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': '1', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
        body: JSON.stringify({ action: 'opened', number: 1, pull_request: { number: 1 }, repository, installation }),
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      await idle();
      expect(github.checkRuns).toEqual([]);
    } finally {
      server.close();
      nock.disableNetConnect();
    }
  });
});

describe('a hostile pull request, delivered to the App', () => {
  it('its migration reaches no key, no environment, no clone cache, no venv, no socket but its own database, and leaves no process', async () => {
    // Never run the hostile migration where there is no sandbox: it would write into the shared virtualenv.
    expect(await detectSandbox(), 'the sandbox must work where these tests run: install bubblewrap (.ci/run does)').toMatchObject({ available: true });
    const keyFile = join(root, 'private-key.pem');
    await writeFile(keyFile, privateKey);
    const sleepMarker = `8${Date.now() % 100000}.5`;
    const python: string = inject('pythonExecutable');
    await repo.checkout('main');
    await repo.git('checkout', '-b', 'hostile');
    const path = `${VERSIONS}/oss000000009_hostile.py`;
    const targets = {
      keyFile,
      driftbotPid: process.pid,
      cacheDir: join(root, 'cache'),
      serverPort: Number(new URL(testServer().adminUrl).port || 5432),
      hostTmpFile: join(root, 'written-by-migration'),
      sleepMarker,
      interpreter: await interpreterFolders(python),
    };
    await repo.commit('hostile migration', {
      [path]: revision(
        'oss000000009',
        'oss000000008',
        'hostile',
        hostileMigration(targets).trim(),
        'import json\nimport os\nimport socket\nimport subprocess\nimport sys\nfrom alembic import op\n',
      ),
    });
    const github = new FakeGitHub('o', 'r', pull({ number: 9, headRef: 'hostile', headSha: await pullRef(9, 'hostile'), files: [path] }));
    github.install();
    const saved = { ...process.env };
    Object.assign(process.env, { PRIVATE_KEY: privateKey, PRIVATE_KEY_PATH: keyFile, WEBHOOK_SECRET: 'test-secret' });
    try {
      await deliver('pull_request', { action: 'opened', number: 9, pull_request: { number: 9 }, repository, installation });
    } finally {
      process.env = saved;
    }
    const report = reports.at(-1)!;
    expect(report.environment.sandboxed).toBe(true);
    const message = report.errors.find((e) => e.revision === 'oss000000009')?.message ?? '';
    const probes = JSON.parse(/PROBES (\{.*\})/.exec(message)?.[1] ?? 'null') as Record<string, string | number> | null;
    expect(probes, JSON.stringify(report.errors)).not.toBeNull();
    const { uid, ...outcomes } = probes!;
    expect(uid).toBe(65534);
    expect(Object.keys(outcomes).sort()).toEqual([...PROBES].sort());
    expect(Object.entries(outcomes).filter(([, outcome]) => !String(outcome).startsWith('blocked'))).toEqual([]);
    // The clone cache the next fetch runs git in is as driftbot left it: no planted file.
    expect(existsSync(join(root, 'cache', 'hooks-planted'))).toBe(false);
    expect(existsSync(targets.hostTmpFile)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      execFileSync('ps', ['-eo', 'args'])
        .toString()
        .split('\n')
        .filter((line) => line.trim() === `sleep ${sleepMarker}`),
    ).toEqual([]);
    // And the comment says the build failed on that revision, naming it: the App stays in charge.
    expect(github.stickyComments()[0]!.body).toContain('oss000000009');
  });
});
