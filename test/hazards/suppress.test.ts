import { describe, expect, it } from 'vitest';
import { lintRevisions, type LintedRevision } from '../../src/hazards/lint.js';
import { readSuppressions } from '../../src/hazards/suppress.js';

const PATH = 'migrations/versions/0002_users_email.py';

function revision(body: string, statements: string[]): LintedRevision {
  const content = `"""users email"""\nfrom alembic import op\n\nrevision = "0002"\ndown_revision = "0001"\n\n\ndef upgrade() -> None:\n${body}\n\n\ndef downgrade() -> None:\n    pass\n`;
  return { revision: '0002', path: PATH, statements, content };
}

const lint = (revisions: LintedRevision[]) => lintRevisions({ database: 'core', revisions, mapped: null });

describe('# driftbot: allow', () => {
  it('reads the rule and the reason, anywhere in the file', () => {
    const { suppressions, problems } = readSuppressions('x = 1\n    # driftbot: allow index-not-concurrent the table has 40 rows\n');
    expect(problems).toEqual([]);
    expect(suppressions).toEqual([{ rule: 'index-not-concurrent', reason: 'the table has 40 rows', line: 2 }]);
  });

  it('marks that rule’s hazards in that revision suppressed, and only that rule’s', () => {
    const body = [
      '    op.execute("SET lock_timeout = \'5s\'")',
      '    # driftbot: allow index-not-concurrent users has a few hundred rows',
      "    op.create_index('ix_users_email', 'users', ['email'])",
      "    op.alter_column('users', 'email', nullable=False)",
    ].join('\n');
    const { hazards, warnings } = lint([
      revision(body, ["SET lock_timeout = '5s'", 'CREATE INDEX ix_users_email ON users (email)', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL']),
    ]);
    expect(warnings).toEqual([]);
    expect(hazards.map((h) => [h.rule, h.line, h.suppressed])).toEqual([
      ['index-not-concurrent', 11, true],
      ['set-not-null', 12, false],
    ]);
    expect(hazards[0]).toMatchObject({ database: 'core', revision: '0002', path: PATH, statement: 'CREATE INDEX ix_users_email ON users (email)' });
  });

  it('a comment in one revision allows nothing in another', () => {
    const allowing = revision("    # driftbot: allow index-not-concurrent small table\n    op.execute('SELECT 1')", ['SELECT 1']);
    const other = { ...revision("    op.create_index('ix', 'users', ['email'])", ['CREATE INDEX ix ON users (email)']), revision: '0003', path: 'migrations/versions/0003_ix.py' };
    const { hazards, warnings } = lint([allowing, other]);
    expect(hazards.map((h) => [h.revision, h.suppressed])).toEqual([['0003', false]]);
    expect(warnings).toEqual([`${PATH}:9: "# driftbot: allow index-not-concurrent" allows nothing: revision 0002 has no index-not-concurrent hazard; remove the comment`]);
  });

  it('warns about an unknown rule id or a missing reason, naming the file and line, and suppresses nothing', () => {
    const body = ['    # driftbot: allow index-not-concurent typo', '    # driftbot: allow index-not-concurrent', "    op.create_index('ix', 'users', ['email'])"].join('\n');
    const { hazards, warnings } = lint([revision(body, ['CREATE INDEX ix ON users (email)'])]);
    expect(hazards.map((h) => h.suppressed)).toEqual([false]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(new RegExp(`^${PATH}:9: malformed .*unknown rule "index-not-concurent"; the rules are .*index-not-concurrent`));
    expect(warnings[1]).toMatch(new RegExp(`^${PATH}:10: malformed .*no reason given for allowing index-not-concurrent`));
  });

  it('a table created earlier in the same pull request is new: nothing to lock', () => {
    const first = revision("    op.create_table('audit', sa.Column('id', sa.Integer()))", ['CREATE TABLE audit (id INTEGER)']);
    const second = { ...revision("    op.create_index('ix_audit', 'audit', ['id'])", ['CREATE INDEX ix_audit ON audit (id)']), revision: '0003' };
    expect(lint([first, second]).hazards).toEqual([]);
  });
});
