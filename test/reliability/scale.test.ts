/** A chain of 5,000 revisions: read, built twice, compared and fixed within the limits. */
import { describe, expect, it } from 'vitest';
import { check, newRepo } from '../support/analysis.js';
import { SCAFFOLD, revision, versionFile } from '../support/app-repo.js';

const COUNT = 5000;
const id = (i: number) => String(i).padStart(5, '0');

function chain(edit: boolean): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= COUNT; i++) {
    const body =
      i % 500 === 1 ? `op.create_table("t${i}", sa.Column("id", sa.Integer(), primary_key=True)${edit && i === 2501 ? ', sa.Column("added_in_place", sa.Text())' : ''})` : 'pass';
    files[versionFile(`${id(i)}_r`)] = revision(id(i), i === 1 ? null : id(i - 1), `r${i}`, body);
  }
  return files;
}

describe('scale', () => {
  it(`${COUNT} migrations: an in-place edit in the middle is found and fixed`, async () => {
    const repo = await newRepo('scale');
    await repo.commit('base', { ...SCAFFOLD, ...chain(false) });
    await repo.branch('feature');
    await repo.commit('edit 02501 in place', chain(true));
    const report = await check(repo);
    expect(report.errors).toEqual([]);
    expect(report.findings.map((f) => [`${f.table}.${f.name}`, f.difference, f.cause?.revision])).toEqual([['t2501.added_in_place', 'missing-on-upgraded', '02501']]);
    expect(report.editedMigrations.map((e) => e.revision)).toEqual(['02501']);
    expect(report.fix).toMatchObject({ revision: '05001', downRevision: '05000', verified: true });
  }, 300_000);
});
