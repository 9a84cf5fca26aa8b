/** The Action's pure parts: inputs, the event's subject, outputs and workflow commands. */
import { describe, expect, it } from 'vitest';
import { exitCode, readInputs } from '../../src/action/inputs.js';
import { subjectOf } from '../../src/action/subject.js';
import { outputLines, workflowCommands } from '../../src/action/outputs.js';

describe('inputs', () => {
  it('defaults as action.yml documents them, the token from GITHUB_TOKEN', () => {
    expect(readInputs({ GITHUB_TOKEN: 't' })).toEqual({ config: '.github/driftbot.yml', base: null, databaseUrl: null, python: null, comment: true, failOn: 'drift', token: 't' });
  });

  it('reads hyphenated names as GitHub passes them, the token input over GITHUB_TOKEN', () => {
    const inputs = readInputs({ 'INPUT_DATABASE-URL': 'postgresql://u@h/db', 'INPUT_FAIL-ON': 'never', INPUT_COMMENT: 'false', INPUT_TOKEN: 'given', GITHUB_TOKEN: 'env' });
    expect(inputs).toMatchObject({ databaseUrl: 'postgresql://u@h/db', failOn: 'never', comment: false, token: 'given' });
  });

  it.each([
    [{ 'INPUT_FAIL-ON': 'always' }, 'input "fail-on": expected one of drift, hazard, never, not "always"'],
    [{ INPUT_COMMENT: 'yes' }, 'input "comment": expected true or false, not "yes"'],
    [{ 'INPUT_DATABASE-URL': 'localhost:5432' }, 'input "database-url": expected a postgres:// or postgresql:// URL'],
    [{ INPUT_CONFIG: '../elsewhere.yml' }, 'input "config": "../elsewhere.yml" is outside the repository'],
    [{ INPUT_CONFIG: '/etc/driftbot.yml' }, 'input "config": "/etc/driftbot.yml" is outside the repository'],
  ])('%o is refused, naming the input', (env, message) => {
    expect(() => readInputs(env)).toThrow(message);
  });

  it('fail-on decides the exit code; hazard fails on drift and on unsuppressed hazards', () => {
    expect([
      exitCode('drift', 'drift'),
      exitCode('drift', 'hazard'),
      exitCode('drift', 'never'),
      exitCode('clean', 'drift'),
      exitCode('error', 'drift'),
      exitCode('error', 'never'),
      exitCode('clean', 'drift', 2),
      exitCode('clean', 'hazard', 2),
      exitCode('clean', 'hazard', 0),
      exitCode('clean', 'never', 2),
    ]).toEqual([1, 1, 0, 0, 2, 0, 0, 1, 0, 0]);
  });
});

describe('subject', () => {
  const repository = { full_name: 'o/r', name: 'r', owner: { login: 'o' } };
  const pr = (headRepo: { full_name: string } | null) => ({ number: 7, base: { ref: 'main', sha: 'b' }, head: { ref: 'f', sha: 'h', repo: headRepo } });

  it('a pull request from the repository itself, from a fork, from a deleted fork', () => {
    expect(subjectOf('pull_request', { pull_request: pr({ full_name: 'o/r' }), repository })).toEqual({
      repository: { owner: 'o', repo: 'r', installationId: null },
      reportTo: { kind: 'pull-request', number: 7 },
      asked: { by: 'push' },
      baseRef: 'main',
      baseSha: 'b',
      headRef: 'f',
      headSha: 'h',
      fork: false,
    });
    expect(subjectOf('pull_request', { pull_request: pr({ full_name: 'stranger/r' }), repository }).fork).toBe(true);
    expect(subjectOf('pull_request', { pull_request: pr(null), repository }).fork).toBe(true);
  });

  it('a merge group: its base and head, no pull request (the App’s constructor)', () => {
    const merge_group = { base_ref: 'refs/heads/main', base_sha: 'b', head_ref: 'refs/heads/gh-readonly-queue/main/pr-7-b', head_sha: 'h' };
    expect(subjectOf('merge_group', { merge_group, repository })).toEqual({
      repository: { owner: 'o', repo: 'r', installationId: null },
      reportTo: { kind: 'merge-group' },
      asked: { by: 'push' },
      baseRef: 'main',
      baseSha: 'b',
      headRef: 'gh-readonly-queue/main/pr-7-b',
      headSha: 'h',
      fork: false,
    });
  });

  it('pull_request_target is refused: its job holds a write token and secrets', () => {
    expect(() => subjectOf('pull_request_target', { pull_request: pr({ full_name: 'stranger/r' }), repository })).toThrow(
      /does not run on pull_request_target.*use `on: pull_request`/,
    );
  });

  it('another event says which to use', () => {
    expect(() => subjectOf('push', {})).toThrow('driftbot\'s action runs on pull_request and merge_group events, not "push": add `on: pull_request` to the workflow');
  });
});

describe('outputs', () => {
  it('$GITHUB_OUTPUT in the delimiter form, any value safe', () => {
    expect(outputLines({ status: 'drift', 'fix-path': 'a\nb' }, 'EOF_1')).toBe('status<<EOF_1\ndrift\nEOF_1\nfix-path<<EOF_1\na\nb\nEOF_1\n');
    expect(() => outputLines({ x: 'before\nEOF_1\nafter' }, 'EOF_1')).toThrow('output x: its value contains the delimiter');
  });

  it('an annotation whose names come from the pull request stays one command on its own file and line', () => {
    const commands = workflowCommands([
      { path: 'v/a,line=1::x.py', start_line: 3, end_line: 3, annotation_level: 'failure', title: 't:1,2%', message: 'one\r\ntwo\n::error::forged 100%' },
      { path: 'v/b.py', start_line: 5, end_line: 5, annotation_level: 'warning', title: 'w', message: 'm' },
    ]);
    expect(commands).toBe(
      '::error file=v/a%2Cline=1%3A%3Ax.py,line=3,endLine=3,title=t%3A1%2C2%25::one%0D%0Atwo%0A::error::forged 100%25\n' + '::warning file=v/b.py,line=5,endLine=5,title=w::m\n',
    );
    expect(commands.split('\n').filter(Boolean)).toHaveLength(2);
  });
});
