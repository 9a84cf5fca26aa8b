/** One constructor per trigger, each a plain JSON value; external_id carries enough to rebuild it on "Re-run". */
import { describe, expect, it } from 'vitest';
import {
  externalIdOf,
  laneOf,
  readExternalId,
  subjectOfCommand,
  subjectOfLabel,
  subjectOfMergeGroup,
  subjectOfPush,
  subjectOfRerun,
  type Subject,
} from '../../src/github/subject.js';

const repository = { name: 'r', owner: { login: 'o' } };
const installation = { id: 2 };
const inRepository = { owner: 'o', repo: 'r', installationId: 2 };
const sha = 'a'.repeat(40);
const merge_group = { head_sha: sha, head_ref: 'refs/heads/gh-readonly-queue/main/pr-1-b', base_sha: 'b'.repeat(40), base_ref: 'refs/heads/main' };

/** What a durable queue does with it. */
const roundTrip = (subject: Subject) => JSON.parse(JSON.stringify(subject)) as Subject;

describe('subjects', () => {
  it('a push to a pull request: whatever its head is when the job starts', () => {
    const subject = subjectOfPush({ repository, installation, pull_request: { number: 12 } });
    expect(subject).toEqual({
      repository: inRepository,
      headSha: null,
      headRef: null,
      baseRef: null,
      baseSha: null,
      reportTo: { kind: 'pull-request', number: 12 },
      asked: { by: 'push' },
    });
    expect(roundTrip(subject)).toEqual(subject);
    expect(laneOf(subject)).toBe('o/r#12');
    expect(externalIdOf(subject)).toBe('pr:12');
  });

  it('the label: on the head it was put on', () => {
    expect(subjectOfLabel({ repository, installation, pull_request: { number: 12 } }, sha)).toMatchObject({
      headSha: sha,
      reportTo: { kind: 'pull-request', number: 12 },
      asked: { by: 'label' },
    });
  });

  it('a command: which one, on the head the pull request had when asked', () => {
    const subject = subjectOfCommand({ repository, installation, issue: { number: 3 } }, 'apply', sha);
    expect(subject).toMatchObject({ repository: inRepository, headSha: sha, reportTo: { kind: 'pull-request', number: 3 }, asked: { by: 'command', command: 'apply' } });
    expect(roundTrip(subject)).toEqual(subject);
  });

  it('a merge group: its head against its base, refs as branch names, reported on a check run only', () => {
    const subject = subjectOfMergeGroup({ repository, installation, merge_group });
    expect(subject).toEqual({
      repository: inRepository,
      headSha: sha,
      headRef: 'gh-readonly-queue/main/pr-1-b',
      baseRef: 'main',
      baseSha: 'b'.repeat(40),
      reportTo: { kind: 'merge-group' },
      asked: { by: 'push' },
    });
    expect(externalIdOf(subject)).toBe('merge-group:main:gh-readonly-queue/main/pr-1-b');
    expect(laneOf(subject)).toBe('o/r@gh-readonly-queue/main/pr-1-b');
  });

  it('"Re-run" rebuilds the subject from external_id: a pull request, an older bare number, a merge group', () => {
    const check_run = (external_id: string | null, name = 'driftbot') => ({ name, external_id, head_sha: sha });
    const pr = subjectOfRerun({ repository, installation, check_run: check_run('pr:12') }, sha);
    expect(pr).toEqual({ ...subjectOfLabel({ repository, installation, pull_request: { number: 12 } }, sha), asked: { by: 'rerun' } });
    expect(subjectOfRerun({ repository, installation, check_run: check_run('12') }, sha)).toEqual(pr);

    const group = subjectOfMergeGroup({ repository, installation, merge_group });
    expect(subjectOfRerun({ repository, installation, check_run: check_run(externalIdOf(group)) }, sha)).toEqual({ ...group, baseSha: null, asked: { by: 'rerun' } });
  });

  it('"Re-run" of someone else’s check run, or of one whose external_id says nothing, is no subject', () => {
    expect(subjectOfRerun({ repository, installation, check_run: { name: 'ci', external_id: 'pr:1' } }, sha)).toBeNull();
    for (const id of [null, '', '0', '-1', 'pr:', 'pr:x', '1.5', 'merge-group:', 'merge-group:main', 'push:1']) {
      expect(subjectOfRerun({ repository, installation, check_run: { name: 'driftbot', external_id: id } }, sha), String(id)).toBeNull();
    }
    // A merge group's check run names no commit but the one it was for: without it, nothing.
    expect(subjectOfRerun({ repository, installation, check_run: { name: 'driftbot', external_id: 'merge-group:main:q' } }, null)).toBeNull();
    expect(readExternalId('merge-group:main:gh-readonly-queue/main/pr-1-b')).toEqual({ kind: 'merge-group', baseRef: 'main', headRef: 'gh-readonly-queue/main/pr-1-b' });
  });
});
