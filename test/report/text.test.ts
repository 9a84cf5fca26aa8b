import { describe, expect, it } from 'vitest';
import { renderText } from '../../src/report/text.js';
import { cleanReport, errorReport, fix, seedReport, twoDatabaseReport, upgradeFailureReport } from './fixtures.js';

const ESC = '\x1b';

function expectInOrder(text: string, snippets: string[]): void {
  let from = 0;
  for (const snippet of snippets) {
    const at = text.indexOf(snippet, from);
    expect(at, `${snippet} after position ${from}`).toBeGreaterThanOrEqual(0);
    from = at + snippet.length;
  }
}

describe('renderText', () => {
  it('the seed: headline, one line per finding, edited revisions, breaking code, the fix and its file', () => {
    const text = renderText(seedReport());
    expect(text.split('\n')[0]).toBe('driftbot: schema drift: existing databases will not match this branch');
    expectInOrder(text, [
      'feature (e4f5a6b) against main (a1b2c3d)',
      '\n❌ session_streams.tags  fresh: jsonb  upgraded: missing  models: jsonb  (oss000000008 edited in place, L34)\n',
      '❌ session_streams.meta  fresh: json  upgraded: missing  models: json  (oss000000008 edited in place, L39)\n',
      '⚠️ session_streams.status  fresh: character varying  upgraded: jsonb  models: character varying  (oss000000008 edited in place, L43)\n',
      'edited oss000000008 api/oss/databases/postgres/migrations/core/versions/oss000000008_add_session_streams.py: modified after main applied it',
      'breaks api/oss/src/dbs/postgres/sessions/streams/dao.py:58  query = select(SessionStreamDBE).filter_by(project_id=project_id)  → column session_streams.tags does not exist',
      'dao.py:76',
      'proposed fix api/oss/databases/postgres/migrations/core/versions/oss000000009_reconcile_session_streams.py (revision oss000000009, after oss000000008)',
      '✅ verified: fresh, upgraded and models agree after it (0 differences)',
      '"""reconcile session_streams with the edited oss000000008',
      '    pass\n',
      '3 throwaway databases on PostgreSQL 17.10 (embedded) · 4.1 s\n',
    ]);
  });

  it('colours only when asked', () => {
    const plain = renderText(seedReport());
    const coloured = renderText(seedReport(), { color: true });
    expect(plain).not.toContain(ESC);
    expect(coloured).toContain(`${ESC}[31m${ESC}[1mschema drift: existing databases will not match this branch${ESC}[22m${ESC}[39m`);
    expect(coloured).toContain(`❌ ${ESC}[1msession_streams.tags${ESC}[22m  fresh: jsonb  upgraded: ${ESC}[2mmissing${ESC}[22m`);
    // The same text once the styles are taken out.
    expect(coloured.replace(/\x1b\[\d+m/g, '')).toBe(plain);
  });

  it('strips terminal control sequences the repository wrote, coloured or not', () => {
    const hostile = 'boom\x1b[2J\x1b[H\x1b]0;owned\x07\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\ ok\rFAKE\x9b31m\u202Egnp.exe';
    const report = errorReport({ errors: [{ message: `${hostile}\nsecond line`, path: `p${hostile}.py`, revision: hostile }] });
    for (const text of [renderText(report), renderText(report, { color: true }).replace(/\x1b\[\d+m/g, '')]) {
      expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
      expect(text).toContain('  boomclick okFAKE31mgnp.exe\n  second line');
    }
  });

  it('an unverified fix says why', () => {
    const remaining = fix({ verified: false, remainingDifferences: 2, steps: [{ sql: 'DROP', comments: [], disabled: true, entryKey: 'k' }] });
    expect(renderText(seedReport({ fixes: [remaining] }))).toContain(
      '❌ not verified: 2 differences remain after it\n1 step written commented out (drops or narrows data): review before enabling',
    );
    const failed = fix({ verified: false, verificationError: 'syntax error' });
    expect(renderText(seedReport({ fixes: [failed] }))).toContain('❌ not verified: applying it failed: syntax error');
  });

  it('clean, error, upgrade failure and two databases', () => {
    expect(renderText(cleanReport())).toContain('driftbot: no schema drift\n');
    expect(renderText(cleanReport())).toContain('fresh installs, databases upgraded from main (a1b2c3d) and the models agree in core');
    expectInOrder(renderText(errorReport()), [
      'driftbot: could not analyse this branch',
      'error in api/oss/databases/postgres/migrations/core/versions/oss000000007_session_flags.py (revision oss000000007):\n',
      '  head\'s migrations fail on an empty database: relation "sessions" does not exist\n  LINE 1:',
    ]);
    expectInOrder(renderText(upgradeFailureReport()), [
      'driftbot: upgrading from main fails',
      'revision oss000000009 (api/oss/databases/postgres/migrations/core/versions/oss000000009_unique_slugs.py:17) fails in database core, upgrading from main:\n  could not create unique index "ix_projects_slug"\n  DETAIL:',
    ]);
    expectInOrder(renderText(twoDatabaseReport()), [
      'database core\n❌ session_streams.tags',
      'database analytics\n❌ events.source  fresh: missing  upgraded: missing  models: text\n',
      'proposed fix api/',
      'proposed fix analytics/',
    ]);
  });
});
