/**
 * Deployment hazards end to end: a pull request's new revision really run by Alembic on
 * real Postgres, its recorded statements linted, and the hazards in the report and
 * every renderer. Hazards are reported beside the verdict, never instead of it.
 */
import { describe, expect, it } from 'vitest';
import { check, newRepo } from '../support/analysis.js';
import { models, revision, SCAFFOLD, versionFile } from '../support/app-repo.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderSarif } from '../../src/report/sarif.js';
import { renderCheckRun } from '../../src/report/check-run.js';
import { renderText } from '../../src/report/text.js';

const ACCOUNTS = revision(
  '0001',
  null,
  'create accounts',
  `op.create_table(
    "accounts",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("nickname", sa.Text(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
)`,
);

const model = (nickname: 'True' | 'False') => `
class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    nickname = mapped_column(sa.Text, nullable=${nickname})
    created_at = mapped_column(sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


class Audit(Base):
    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    at = mapped_column(sa.DateTime(timezone=True), nullable=True, index=True)
`;

// An index on the existing accounts table, NOT NULL on one of its columns (allowed by a
// comment), and a new table indexed in the same revision (nothing to lock there).
const HAZARDOUS = revision(
  '0002',
  '0001',
  'index and tighten accounts',
  `op.create_table("audit", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("at", sa.DateTime(timezone=True), nullable=True))
op.create_index("ix_audit_at", "audit", ["at"])
op.create_index("ix_accounts_created_at", "accounts", ["created_at"])
# driftbot: allow set-not-null accounts holds a few hundred rows; the scan takes milliseconds
op.alter_column("accounts", "nickname", existing_type=sa.Text(), nullable=False)`,
);

const lineOf = (content: string, text: string) => content.split('\n').findIndex((line) => line.includes(text)) + 1;

describe('deployment hazards', () => {
  it('reports what a new revision runs on existing tables, at its line, with suppressions honoured', async () => {
    const repo = await newRepo('hazards');
    await repo.commit('base', { ...SCAFFOLD, [versionFile('0001_create_accounts')]: ACCOUNTS, ...models(model('True').split('\n\nclass Audit')[0]!) });
    await repo.branch('feature');
    await repo.commit('index and tighten', { [versionFile('0002_index_and_tighten')]: HAZARDOUS, ...models(model('False')) });
    const report = await check(repo);

    expect(report.errors).toEqual([]);
    // Hazards sit beside the verdict: the schema itself does not drift.
    expect(report.status).toBe('clean');
    const path = versionFile('0002_index_and_tighten');
    const alter = lineOf(HAZARDOUS, 'op.alter_column');
    expect(report.hazards.map((h) => ({ rule: h.rule, revision: h.revision, path: h.path, line: h.line, suppressed: h.suppressed }))).toEqual([
      { rule: 'index-not-concurrent', revision: '0002', path, line: lineOf(HAZARDOUS, '"ix_accounts_created_at"'), suppressed: false },
      { rule: 'set-not-null', revision: '0002', path, line: alter, suppressed: true },
      { rule: 'missing-lock-timeout', revision: '0002', path, line: alter, suppressed: false },
    ]);
    expect(report.hazards[0]).toMatchObject({
      database: 'default',
      severity: 'warning',
      statement: expect.stringMatching(/^CREATE INDEX ix_accounts_created_at ON accounts \(created_at\)$/),
    });
    expect(report.warnings.join('\n')).not.toMatch(/driftbot: allow/);

    const markdown = renderMarkdown(report);
    expect(markdown).toContain('### Deployment hazards');
    expect(markdown).toMatch(/\| ⚠️ \| \[`index-not-concurrent`\]\(https:\/\/[^)]+\/docs\/rules\/index-not-concurrent\.md\) \| `0002` line \d+ \|/);
    expect(markdown).toContain('missing-lock-timeout');
    // Allowed: counted, not listed.
    expect(markdown).not.toContain('[`set-not-null`]');
    expect(markdown).toContain('1 hazard allowed by `# driftbot: allow` comments.');

    const sarif = JSON.parse(renderSarif(report)) as {
      runs: {
        tool: { driver: { rules: { id: string; helpUri?: string }[] } };
        results: { ruleId: string; locations: { physicalLocation: { region?: { startLine: number } } }[] }[];
      }[];
    };
    const results = sarif.runs[0]!.results;
    expect(results.map((r) => r.ruleId)).toEqual(['index-not-concurrent', 'missing-lock-timeout']);
    expect(results[0]!.locations[0]!.physicalLocation.region?.startLine).toBe(report.hazards[0]!.line);
    expect(sarif.runs[0]!.tool.driver.rules.find((r) => r.id === 'index-not-concurrent')?.helpUri).toMatch(/\/docs\/rules\/index-not-concurrent\.md$/);

    const annotations = renderCheckRun(report).annotations.filter((a) => a.title.startsWith('deployment hazard'));
    expect(annotations.map((a) => [a.path, a.start_line, a.annotation_level])).toEqual([
      [path, report.hazards[0]!.line, 'warning'],
      [path, alter, 'warning'],
    ]);
    expect(renderText(report)).toMatch(/index-not-concurrent migrations\/versions\/0002_index_and_tighten\.py:\d+ \(0002\)/);
  });
});
