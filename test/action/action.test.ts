/**
 * The Action end to end, driven as GitHub drives it: an event file, `GITHUB_*` and
 * `INPUT_*` variables, output and summary files, on a real repository checked out by
 * the test, with real Alembic and the suite's Postgres. nock stands in for GitHub's API.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import nock from 'nock';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../../src/action/main.js';
import { createSeedRepository, revision, VERSIONS } from '../../demo/seed-repo.js';
import type { GitFixture } from '../../demo/git-fixture.js';
import '../support/postgres.js';

const API = 'https://api.github.test';
let root: string;
let repo: GitFixture;
let runs = 0;

/** GitHub's API for one pull request's comments, noting every request that reaches it. */
function fakeComments(number: number) {
  const state = { comments: [] as { id: number; body: string; user: { login: string; type: string } }[], requests: [] as string[] };
  nock(API)
    .persist()
    .get(new RegExp(`^/repos/o/r/issues/${number}/comments`))
    .reply(function () {
      state.requests.push(`GET ${this.req.path}`);
      return [200, state.comments];
    })
    .post(`/repos/o/r/issues/${number}/comments`)
    .reply(function (_uri, body) {
      state.requests.push(`POST ${this.req.path}`);
      const comment = { id: 100 + state.comments.length, body: (body as { body: string }).body, user: { login: 'github-actions[bot]', type: 'Bot' } };
      state.comments.push(comment);
      return [201, comment];
    });
  return state;
}

/** Runs the action on `checkedOut` (default `headRef`), as a pull request from `headRepo`'s `headRef` into o/r's `baseRef`. */
async function act(headRef: string, baseRef: string, inputs: Record<string, string>, headRepo = 'o/r', checkedOut = headRef) {
  const dir = join(root, `run-${++runs}`);
  await repo.checkout(await repo.git('rev-parse', checkedOut));
  const event = {
    action: 'synchronize',
    number: 1,
    pull_request: {
      number: 1,
      base: { ref: 'main', sha: await repo.git('rev-parse', baseRef) },
      head: { ref: headRef, sha: await repo.git('rev-parse', headRef), repo: { full_name: headRepo } },
    },
    repository: { full_name: 'o/r' },
  };
  const paths = { event: `${dir}-event.json`, output: `${dir}-output`, summary: `${dir}-summary.md` };
  await writeFile(paths.event, JSON.stringify(event));
  await writeFile(paths.output, '');
  await writeFile(paths.summary, '');
  let stdout = '';
  const code = await runAction(
    {
      PATH: process.env.PATH,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: paths.event,
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_WORKSPACE: repo.dir,
      GITHUB_API_URL: API,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_OUTPUT: paths.output,
      GITHUB_STEP_SUMMARY: paths.summary,
      GITHUB_TOKEN: 'ghs_job_token',
      'INPUT_DATABASE-URL': inject('postgresUrl'),
      INPUT_PYTHON: inject('pythonExecutable'),
      INPUT_COMMENT: 'true',
      ...inputs,
    },
    (text) => (stdout += text),
  );
  return { code, stdout, outputs: parseOutputs(await readFile(paths.output, 'utf8')), summary: await readFile(paths.summary, 'utf8') };
}

/** `$GITHUB_OUTPUT` read back as the runner reads it: `name<<DELIMITER`, lines, the delimiter. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!start) continue;
    const end = lines.indexOf(start[2]!, i + 1);
    outputs[start[1]!] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}

const unmatched: string[] = [];
const onNoMatch = (request: { method?: string; path?: string }) => unmatched.push(`${request.method} ${request.path}`);

beforeAll(async () => {
  nock.disableNetConnect();
  nock.emitter.on('no match', onNoMatch);
  root = await mkdtemp(join(tmpdir(), 'driftbot-test-action-'));
  repo = (await createSeedRepository(join(root, 'repo'))).repo;
});

afterEach(async () => {
  nock.cleanAll();
  unmatched.length = 0;
  // The action writes the proposed migration into the checkout.
  await repo.git('clean', '-fdq');
});

afterAll(async () => {
  nock.emitter.removeListener('no match', onNoMatch);
  nock.enableNetConnect();
  await rm(root, { recursive: true, force: true });
});

describe('the GitHub Action on a pull_request event', () => {
  it('a drifting pull request: the sticky comment, outputs, annotations on the migration lines, the summary, and exit 1 for fail-on drift', async () => {
    const github = fakeComments(1);
    const result = await act('feature', 'main', { 'INPUT_FAIL-ON': 'drift' });
    expect(result.code).toBe(1);
    expect(result.outputs.status).toBe('drift');
    expect(result.outputs.findings).toBe('3');
    expect(result.outputs['fix-path']).toMatch(new RegExp(`^${VERSIONS}/oss000000009_\\w+\\.py$`));
    // The proposed migration is where fix-path says, in the checkout.
    expect(await readFile(join(repo.dir, result.outputs['fix-path']!), 'utf8')).toContain('down_revision = "oss000000008"');
    const annotations = result.stdout.split('\n').filter((line) => line.startsWith('::error file=') || line.startsWith('::warning file='));
    expect(annotations.map((line) => /^::(\w+) file=([^,]+),line=(\d+)/.exec(line)!.slice(1, 4))).toEqual([
      ['error', `${VERSIONS}/oss000000008_add_session_streams.py`, '23'],
      ['error', `${VERSIONS}/oss000000008_add_session_streams.py`, '24'],
      ['warning', `${VERSIONS}/oss000000008_add_session_streams.py`, '25'],
    ]);
    // Multi-line messages stay one workflow command.
    expect(annotations[0]).toMatch(/::fresh install: .*%0Aupgraded from main: /);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toMatch(/^<!-- driftbot:sticky /);
    expect(github.comments[0]!.body).toContain('schema drift: existing databases will not match this branch');
    expect(github.comments[0]!.body).toContain(`https://github.com/o/r/blob/${await repo.git('rev-parse', 'feature')}/${VERSIONS}/oss000000008_add_session_streams.py#L23`);
    expect(result.summary).toContain('schema drift: existing databases will not match this branch');
    expect(result.summary).not.toContain('<!-- driftbot:sticky');
    expect(unmatched).toEqual([]);
  });

  it('a clean pull request: status clean, no findings, no fix, no comment, exit 0', async () => {
    const github = fakeComments(1);
    const result = await act('main', 'main~1', { 'INPUT_FAIL-ON': 'drift' });
    expect(result.outputs).toEqual({ status: 'clean', findings: '0', 'fix-path': '' });
    expect(result.code).toBe(0);
    // Nothing to say and nothing said before: the comments were looked at, none written.
    expect(github.requests).toEqual(['GET /repos/o/r/issues/1/comments?per_page=100']);
    expect(result.stdout).not.toMatch(/^::(error|warning)/m);
    expect(result.summary).toContain('## driftbot · no schema drift');
  });

  it('a pull request with deployment hazards: warnings on their lines; fail-on hazard fails the job, fail-on drift does not', async () => {
    await repo.checkout('main');
    await repo.git('checkout', '-q', '-b', 'hazardous');
    const path = `${VERSIONS}/oss000000009_index_streams.py`;
    await repo.commit('index session_streams', {
      [path]: revision('oss000000009', 'oss000000008', 'index streams', 'op.create_index("ix_session_streams_project", "session_streams", ["project_id"])'),
    });
    fakeComments(1);
    const onDrift = await act('hazardous', 'main', { 'INPUT_FAIL-ON': 'drift' });
    expect(onDrift.outputs.status).toBe('clean');
    expect(onDrift.code).toBe(0);
    const warnings = onDrift.stdout.split('\n').filter((line) => line.startsWith('::warning file='));
    expect(warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^::warning file=${path.replace(/[/.]/g, '\\$&')},line=\\d+,.*title=deployment hazard%3A index-not-concurrent::`))]),
    );
    fakeComments(1);
    const onHazard = await act('hazardous', 'main', { 'INPUT_FAIL-ON': 'hazard' });
    expect(onHazard.code).toBe(1);
  });

  it('a pull request from a fork: no API call at all, the report in the job summary, and exit 0 for fail-on never', async () => {
    const github = fakeComments(1);
    const result = await act('feature', 'main', { 'INPUT_FAIL-ON': 'never' }, 'stranger/r');
    expect(result.outputs.status).toBe('drift');
    expect(result.code).toBe(0);
    expect(github.requests).toEqual([]);
    expect(unmatched).toEqual([]);
    expect(result.stdout).toContain('a pull request from a fork gets a read-only token: the report is in the job summary');
    expect(result.summary).toContain('schema drift: existing databases will not match this branch');
  });
});

describe('which commits', () => {
  it("GitHub's test merge commit checked out: head is that commit and base its first parent, where the base branch is now", async () => {
    fakeComments(1);
    await repo.checkout('main');
    await repo.branch('main-moved');
    const movedBase = await repo.commit('an unrelated change on the base branch', { 'NOTES.md': 'moved on\n' });
    await repo.git('checkout', '-q', '--detach');
    await repo.git('merge', '-q', '--no-ff', '-m', 'Merge feature into main-moved', 'feature');
    const merge = await repo.git('rev-parse', 'HEAD');
    await repo.git('update-ref', 'refs/pull/1/merge', merge);
    const result = await act('feature', 'main', { 'INPUT_FAIL-ON': 'never', INPUT_COMMENT: 'false' }, 'o/r', 'refs/pull/1/merge');
    expect(result.outputs.status).toBe('drift');
    expect(result.summary).toContain(`base \`${movedBase.slice(0, 7)}\` → head \`${merge.slice(0, 7)}\``);
  });
});

describe('what the Action refuses', () => {
  it('a shallow checkout is named with the fix, before anything runs', async () => {
    const shallow = join(root, 'shallow');
    await repo.git('clone', '-q', '--depth', '1', `file://${repo.dir}`, shallow);
    const event = join(root, 'shallow-event.json');
    await writeFile(
      event,
      JSON.stringify({
        pull_request: { number: 1, base: { ref: 'main', sha: 'a'.repeat(40) }, head: { ref: 'x', sha: 'b'.repeat(40), repo: { full_name: 'o/r' } } },
        repository: { full_name: 'o/r' },
      }),
    );
    let stdout = '';
    const code = await runAction(
      { PATH: process.env.PATH, GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, GITHUB_WORKSPACE: shallow, GITHUB_REPOSITORY: 'o/r' },
      (text) => (stdout += text),
    );
    expect(code).toBe(2);
    expect(stdout).toBe(`::error::${shallow} is a shallow clone: give actions/checkout \`fetch-depth: 0\` so that the base commit and the migrations' history are there\n`);
    expect(existsSync(join(shallow, VERSIONS))).toBe(true);
  });
});
