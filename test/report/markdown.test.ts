import { describe, expect, it } from 'vitest';
import { renderMarkdown, type SourceLinks } from '../../src/report/markdown.js';
import { readMarker, writeMarker } from '../../src/report/marker.js';
import { summarize } from '../../src/report/summary.js';
import {
  BASE,
  HEAD,
  breakingCode,
  cleanReport,
  DAO_PATH,
  editedMigration,
  EDITED_PATH,
  errorReport,
  finding,
  fix,
  modelOnlyReport,
  seedReport,
  twoDatabaseReport,
  upgradeFailure,
  upgradeFailureReport,
} from './fixtures.js';
import { inspectMarkdown } from './markdown-structure.js';

const links: SourceLinks = (path, line) => `https://github.com/o/r/blob/e4f5a6b/${path}${line ? `#L${line}` : ''}`;

/** Marker (with readable data) first, balanced fences and details, tables whose rows all have their header's cells. */
function expectWellFormed(markdown: string): void {
  expect(readMarker(markdown)).not.toBe('unknown');
  expect(markdown.endsWith('\n')).toBe(true);
  const structure = inspectMarkdown(markdown);
  expect(structure.fencesBalanced).toBe(true);
  expect(structure.detailsBalanced).toBe(true);
  expect(structure.brokenRows).toEqual([]);
}

/** Asserts the snippets appear in this order, and returns nothing: the failure says which did not. */
function expectInOrder(markdown: string, snippets: string[]): void {
  let from = 0;
  for (const snippet of snippets) {
    const at = markdown.indexOf(snippet, from);
    expect(at, `${snippet} after position ${from}`).toBeGreaterThanOrEqual(0);
    from = at + snippet.length;
  }
}

describe('the seed comment', () => {
  const md = renderMarkdown(seedReport());

  it('opens with the marker and the headline, then the count and the cause', () => {
    const lines = md.split('\n');
    expect(lines[0]).toBe(writeMarker({ status: 'drift', head: HEAD.sha, findings: 3 }));
    expect(lines[0]).toBe(`<!-- driftbot:sticky {"v":1,"status":"drift","head":"${HEAD.sha}","findings":3} -->`);
    expect(lines[2]).toBe('## driftbot · schema drift: existing databases will not match this branch');
    expect(lines[4]).toBe('**3 differences** between a fresh install of this branch and a database upgraded from `main` (`a1b2c3d`), in database `core`.');
    expect(lines[6]).toBe(
      'Cause: **`oss000000008_add_session_streams.py` was edited after it was applied** on `main`. Alembic tracks applied revisions by id, so a database already at `oss000000008` never runs the new version.',
    );
    expectWellFormed(md);
  });

  it('has one table row per finding: icon, object, the three definitions, the model and the cause', () => {
    expectInOrder(md, [
      '| | object | fresh install | upgraded from `main` | models | cause |\n|---|---|---|---|---|---|\n',
      '| ❌ | `session_streams.tags` | `jsonb` | — missing | `jsonb` · `TagsDBA` `dbas.py`:190 | added in place at `oss000000008` L34 |\n',
      '| ❌ | `session_streams.meta` | `json` | — missing | `json` · `MetaDBA` `dbas.py`:199 | added in place at `oss000000008` L39 |\n',
      '| ⚠️ | `session_streams.status` | `character varying` | `jsonb` | `character varying` | changed in place at `oss000000008` L43 |\n',
    ]);
  });

  it('keeps what a maintainer needs first: what breaks, then the fix, its verification, the reply hint, then the evidence', () => {
    expectInOrder(md, [
      '## driftbot',
      '**3 differences**',
      'Cause:',
      '| ❌ |',
      '**What breaks:**',
      '`dao.py`:58 `query = select(SessionStreamDBE).filter_by(project_id=project_id)` reads `SessionStreamDBE`, so it fails with `column session_streams.tags does not exist`',
      '`dao.py`:76 `stmt = select(SessionStreamDBE).where(SessionStreamDBE.id == stream_id)`',
      '### Proposed fix: `oss000000009_reconcile_session_streams.py`',
      'A new forward migration after `oss000000008`, in `api/oss/databases/postgres/migrations/core/versions`, idempotent: a no-op on fresh installs, the repair on upgraded ones.',
      '```python\n"""reconcile session_streams with the edited oss000000008\n',
      "ALTER COLUMN status TYPE VARCHAR USING status #>> '{}';",
      '    pass\n```',
      '✅ **Verified**',
      '(0 differences)',
      'Reply `/driftbot apply` to commit `oss000000009_reconcile_session_streams.py` to this branch, or `/driftbot explain` for the full evidence.',
      '<details><summary>Schema diff: upgraded → fresh</summary>\n\n```diff\n@@ -1,6 +1,8 @@\n TABLE session_streams\n',
      '-  status jsonb\n+  tags jsonb\n',
      '</details>',
      '<details><summary>How this was checked</summary>',
      'base `a1b2c3d` → head `e4f5a6b` · chains `migrations/core` → `migrations/core_oss` · 3 throwaway databases on PostgreSQL 17.10 (embedded) · repository code sandboxed (bubblewrap: no network, no secrets) · 4.1 s',
    ]);
    // The diff's file headers say nothing the summary does not.
    expect(md).not.toContain('+++ fresh');
  });

  it('quotes the proposed file exactly', () => {
    const fenced = inspectMarkdown(md).fencedBlocks.find((b) => b.info === 'python');
    expect(`${fenced?.content}\n`).toBe(seedReport().fix!.content);
  });

  it('links files and lines when told how, and only then', () => {
    const linked = renderMarkdown(seedReport(), { links });
    expect(linked).toContain('[`dbas.py`:190](https://github.com/o/r/blob/e4f5a6b/api/oss/src/dbs/postgres/shared/dbas.py#L190)');
    expect(linked).toContain(`[\`oss000000008\` L34](https://github.com/o/r/blob/e4f5a6b/${EDITED_PATH}#L34)`);
    expect(linked).toContain(`[\`dao.py\`:76](https://github.com/o/r/blob/e4f5a6b/${DAO_PATH}#L76)`);
    expect(linked).toContain(`**[\`oss000000008_add_session_streams.py\`](https://github.com/o/r/blob/e4f5a6b/${EDITED_PATH}) was edited after it was applied**`);
    expectWellFormed(linked);
    expect(md).not.toContain('](');
  });

  it('leaves out links whose URL is not http(s)', () => {
    const linked = renderMarkdown(seedReport(), { links: () => 'javascript:alert(1)' });
    expect(linked).not.toContain('javascript:');
    expect(linked).toBe(md);
  });
});

describe('other verdicts', () => {
  it('clean: says so plainly', () => {
    const md = renderMarkdown(cleanReport());
    expect(md.split('\n')[2]).toBe('## driftbot · no schema drift');
    expect(md).toContain('Fresh installs, databases upgraded from `main` (`a1b2c3d`) and the models agree in `core`.');
    expect(md).not.toMatch(/Proposed fix|What breaks|Schema diff|\| object \|/);
    expectWellFormed(md);
  });

  it('clean after a comment that reported drift: the drift is resolved; after an error, a clean run, or an unreadable marker: no such claim', () => {
    const headlineAfter = (previous: Parameters<typeof summarize>[1]) => renderMarkdown(summarize(cleanReport(), previous)).split('\n')[2];
    expect(headlineAfter({ status: 'drift', head: BASE.sha, findings: 3 })).toBe('## driftbot · ✅ the schema drift reported earlier is resolved');
    expect(headlineAfter({ status: 'error', head: BASE.sha, findings: 0 })).toBe('## driftbot · no schema drift');
    expect(headlineAfter({ status: 'clean', head: BASE.sha, findings: 0 })).toBe('## driftbot · no schema drift');
    expect(headlineAfter({ status: 'static', head: BASE.sha, findings: 0 })).toBe('## driftbot · no schema drift');
    expect(headlineAfter('unknown')).toBe('## driftbot · no schema drift');
    expect(headlineAfter(null)).toBe('## driftbot · no schema drift');
  });

  it('error: names the file and revision at fault and quotes the message', () => {
    const md = renderMarkdown(errorReport(), { links });
    expect(md.split('\n')[2]).toBe('## driftbot · could not analyse this branch');
    expectInOrder(md, [
      '[`api/oss/databases/postgres/migrations/core/versions/oss000000007_session_flags.py`](https://github.com/o/r/blob/e4f5a6b/api/oss/databases/postgres/migrations/core/versions/oss000000007_session_flags.py), revision `oss000000007`:',
      '```text\nhead\'s migrations fail on an empty database: relation "sessions" does not exist\nLINE 1: ALTER TABLE sessions ADD COLUMN flags jsonb\n',
      'Fix what is named above and push, or reply `/driftbot check` to run the analysis again.',
    ]);
    expect(md).not.toContain('agree');
    expectWellFormed(md);
  });

  it('error: cuts a huge traceback in the middle, keeping its head and tail', () => {
    const message = `Traceback (most recent call last):\n${'  File "x.py", line 1, in <module>\n'.repeat(5000)}sqlalchemy.exc.ProgrammingError: boom`;
    const md = renderMarkdown(errorReport({ errors: [{ message, path: null, revision: null }] }));
    expect(md.length).toBeLessThan(10_000);
    expect(md).toContain('Traceback (most recent call last):');
    expect(md).toContain('sqlalchemy.exc.ProgrammingError: boom');
    expect(md).toMatch(/… \d+ characters cut …/);
    expectWellFormed(md);
  });

  it('upgrade failure: the revision, its file and line, and the Postgres error in a code block', () => {
    const md = renderMarkdown(upgradeFailureReport(), { links });
    expect(md.split('\n')[2]).toBe('## driftbot · upgrading from `main` fails');
    expectInOrder(md, [
      'A database upgraded from `main` cannot reach this branch: revision `oss000000009` ([`oss000000009_unique_slugs.py` line 17](https://github.com/o/r/blob/e4f5a6b/api/oss/databases/postgres/migrations/core/versions/oss000000009_unique_slugs.py#L17)) fails, in database `core`:',
      '```text\ncould not create unique index "ix_projects_slug"\nDETAIL:  Key (slug)=(demo) is duplicated.\n```',
      'Deploying this branch to an existing database would stop at `oss000000009`.',
    ]);
    expectWellFormed(md);
    const base = renderMarkdown(upgradeFailureReport({ upgradeFailure: upgradeFailure({ build: 'fix', line: null }) }));
    expect(base).toContain('Revision `oss000000009` (`oss000000009_unique_slugs.py`) fails while building the fix database, in database `core`:');
  });

  it('model-only drift: models and migrations disagree, and why', () => {
    const md = renderMarkdown(modelOnlyReport());
    expect(md.split('\n')[2]).toBe('## driftbot · models and migrations disagree');
    expectInOrder(md, [
      "**1 difference** between this branch's models and what its migrations create, in database `core`.",
      'Cause: **The models declare 1 object that no migration creates**: a model changed without its migration.',
      '| ❌ | `events.source` | — missing | — missing | `text` · `EventDBE` `events.py`:12 | declared by the models, created by no migration |',
      'idempotent: it brings every database to what the models declare.',
    ]);
    expect(md).not.toContain('fresh install of this branch and');
    expect(md).not.toContain('What breaks');
    expectWellFormed(md);
  });

  it('two databases: one section each, in config order, in one comment', () => {
    const md = renderMarkdown(twoDatabaseReport());
    expect(md.match(/<!-- driftbot:sticky /g)).toHaveLength(1);
    expect(md.match(/How this was checked/g)).toHaveLength(1);
    expectInOrder(md, [
      '## driftbot · schema drift: existing databases will not match this branch',
      '### Database `core`',
      '**3 differences**',
      '`session_streams.tags`',
      '### Proposed fix: `oss000000009_reconcile_session_streams.py` (database `core`)',
      '### Database `analytics`',
      "**1 difference** between this branch's models",
      '`events.source`',
      '### Proposed fix: `an0003_reconcile_schema_drift.py` (database `analytics`)',
      // `/driftbot apply` commits every database's fix, in one commit.
      'Reply `/driftbot apply` to commit `oss000000009_reconcile_session_streams.py` and `an0003_reconcile_schema_drift.py` to this branch in one commit, or `/driftbot explain` for the full evidence.',
      '<details><summary>Schema diff of core: upgraded → fresh</summary>',
      'chains `core`: `migrations/core` → `migrations/core_oss`; `analytics`: `analytics/migrations`',
    ]);
    expect(md).not.toContain('Schema diff of analytics');
    expectWellFormed(md);
  });
});

describe('the fix', () => {
  it('verified: says it was applied to the fresh database and to each upgraded one', () => {
    expect(renderMarkdown(seedReport())).toContain(
      '✅ **Verified**: applied to the fresh database and to the database upgraded from `main`; afterwards fresh, upgraded and models agree (0 differences).',
    );
    const points = [BASE, { ref: 'release-1', sha: '1'.repeat(40) }, { ref: 'release-2', sha: '2'.repeat(40) }];
    expect(renderMarkdown(seedReport({ startingPoints: points }))).toContain(
      '✅ **Verified**: applied to the fresh database and to the 3 upgraded databases (from `main`, `release-1`, `release-2`); afterwards',
    );
    expect(renderMarkdown(seedReport())).not.toContain('both databases');
  });

  it('two databases, one fix not verified: apply would commit none of them, and the comment says which and invites no apply', () => {
    const unverified = fix({ ...twoDatabaseReport().fixes[1]!, verified: false, remainingDifferences: 1 });
    const md = renderMarkdown(twoDatabaseReport({ fixes: [fix(), unverified] }));
    expect(md).toContain(
      '`an0003_reconcile_schema_drift.py` is not verified, so `/driftbot apply` will commit none of the proposed migrations: review them and add them by hand. Reply `/driftbot explain` for the full evidence.',
    );
    expect(md).not.toContain('Reply `/driftbot apply`');
    expectWellFormed(md);
  });

  it('not verified: how many differences remain, the steps left commented out, and no invitation to apply', () => {
    const unverified = fix({
      verified: false,
      remainingDifferences: 2,
      steps: [{ sql: 'ALTER TABLE t DROP COLUMN legacy', comments: [], disabled: true, entryKey: 'column:public.t.legacy' }, ...fix().steps],
    });
    const md = renderMarkdown(seedReport({ fix: unverified, fixes: [unverified] }));
    expectInOrder(md, [
      '```python',
      '❌ **Not verified**: 2 differences remain after applying it.',
      '1 step is written commented out, because it drops or narrows data: `column:public.t.legacy`. Review before enabling.',
      'The proposed migration is not verified, so `/driftbot apply` will not commit it: review it and add it by hand.',
    ]);
    expect(md).not.toContain('✅');
    expect(md).not.toContain('Reply `/driftbot apply`');
  });

  it('not verified because it failed: the error, fenced', () => {
    const failed = fix({ verified: false, remainingDifferences: 3, verificationError: 'syntax error at or near "```"\nLINE 1' });
    const md = renderMarkdown(seedReport({ fix: failed, fixes: [failed] }));
    expect(md).toContain('❌ **Not verified**: applying it failed:\n\n````text\nsyntax error at or near "```"\nLINE 1\n````');
    expectWellFormed(md);
  });
});

describe('the rest of the evidence', () => {
  it('lists stand-ins and warnings; assumptions go into "How this was checked"', () => {
    const md = renderMarkdown(
      seedReport({
        standIns: [{ module: 'internal_sdk', database: 'core', importedFrom: 'migrations/versions/0002_notes.py' }],
        warnings: ['migrations/versions/0002_notes.py imports internal_sdk, which could not be imported', 'assumed: models are the files that declare __tablename__'],
      }),
    );
    expectInOrder(md, [
      '**Stand-ins:** these modules could not be imported and were replaced by stand-ins, which have no schema of their own: `internal_sdk` (imported by `migrations/versions/0002_notes.py`).',
      '> ⚠️ migrations/versions/0002\\_notes.py imports internal\\_sdk, which could not be imported',
      '<details><summary>How this was checked</summary>',
      'Assumed (write them in `.github/driftbot.yml` to say otherwise):\n- models are the files that declare \\_\\_tablename\\_\\_',
      '</details>',
    ]);
    expect(md).not.toContain('> ⚠️ assumed');
  });

  it('shows errors next to the findings of the databases that could be analysed', () => {
    const md = renderMarkdown(seedReport({ status: 'error', errors: [{ message: 'the analysis of billing failed', path: null, revision: null }] }));
    expectInOrder(md, ['## driftbot · could not analyse this branch', '```text\nthe analysis of billing failed\n```', '**3 differences**', '| ❌ |']);
  });

  it('says from which starting points each difference is seen when there are several', () => {
    const md = renderMarkdown(
      seedReport({
        startingPoints: [BASE, { ref: 'v2.0.0', sha: '0123456789abcdef0123456789abcdef01234567' }],
        findings: [finding({ startingPoints: ['main', 'v2.0.0'] })],
      }),
    );
    expect(md).toContain('between a fresh install of this branch and databases upgraded from `main` (`a1b2c3d`) or `v2.0.0` (`0123456`)');
    expect(md).toContain('added in place at `oss000000008` L34 (from `main`, `v2.0.0`) |');
    expect(md).toContain('upgraded from `main` (`a1b2c3d`), `v2.0.0` (`0123456`)');
  });

  it('static check: says what did not run and lists what git shows', () => {
    const md = renderMarkdown(
      cleanReport({
        scope: 'static',
        status: 'drift',
        editedMigrations: [editedMigration({ changes: ['modified', 'reparented'], change: 'modified', baseDownRevision: ['oss000000007'], headDownRevision: ['oss000000006'] })],
      }),
    );
    expectInOrder(md, [
      '## driftbot · applied migrations were edited (static check)',
      'A maintainer can run the full analysis with `/driftbot check`',
      'Seen in git: **`oss000000008_add_session_streams.py` was edited after it was applied** on `main`.',
      '**`oss000000008_add_session_streams.py` was re-parented** (down_revision `oss000000007` → `oss000000006`)',
      'static check: only git and the revision files were read',
    ]);
    expect(md).not.toContain('throwaway');
  });

  it('explains revisions inserted into history and deleted ones', () => {
    const inserted = `${EDITED_PATH.replace('oss000000008_add_session_streams', 'oss000000007a_backfill')}`;
    const md = renderMarkdown(
      seedReport({
        editedMigrations: [editedMigration({ revision: 'oss000000005', path: 'x/oss000000005_old.py', change: 'deleted', changes: ['deleted'] })],
        findings: [
          finding({ cause: { revision: 'oss000000007a', path: inserted, line: 12, kind: 'inserted-into-history' } }),
          finding({
            name: 'legacy',
            fresh: null,
            upgraded: 'text',
            models: null,
            difference: 'only-on-upgraded',
            breaksCode: false,
            references: [],
            cause: { revision: 'oss000000005', path: 'x/oss000000005_old.py', line: 3, kind: 'deleted' },
          }),
        ],
      }),
    );
    expectInOrder(md, [
      'Cause:\n- **`oss000000005_old.py` was deleted**, though `main` had applied it',
      '- **`oss000000007a_backfill.py` was inserted into history** below revisions `main` already applied',
      '| created by `oss000000007a` L12, inserted into history |',
      '| ⚠️ | `session_streams.legacy` | — missing | `text` | — missing | created by `oss000000005` L3, now deleted |',
    ]);
  });

  it('lists revision-graph problems with their file', () => {
    const md = renderMarkdown(
      cleanReport({
        status: 'drift',
        findings: [
          finding({
            object: 'revision-graph',
            table: null,
            name: 'multiple-heads',
            fresh: 'two heads: oss000000009 and oss000000010',
            upgraded: null,
            models: null,
            difference: 'revision-graph',
            breaksCode: false,
            references: [],
            cause: { revision: 'oss000000010', path: 'v/oss000000010_x.py', line: null, kind: 'created-by' },
          }),
        ],
      }),
    );
    expect(md.split('\n')[2]).toBe('## driftbot · the migration history needs attention');
    expect(md).toContain('**Revision history:**\n- two heads: oss000000009 and oss000000010 (`oss000000010_x.py`)');
    expect(md).not.toContain('| object |');
  });
});

describe('untrusted text', () => {
  const evil = 'x`|<img src=x onerror=alert(1)>@octocat\n## pwned';

  it('renders a hostile table, column, definition, path, revision, code line, error and database name inert', () => {
    const report = seedReport({
      databases: [{ name: evil, chains: [{ versions: evil, versionTable: 'v', headRevisions: [] }], clean: false }],
      editedMigrations: [editedMigration({ database: evil, revision: evil, path: `dir/${evil}.py` })],
      findings: [
        finding({
          database: evil,
          table: evil,
          name: evil,
          fresh: evil,
          upgraded: `${evil}\`\`\``,
          models: evil,
          cause: { revision: evil, path: evil, line: 3, kind: 'edited-in-place' },
          references: [{ path: evil, line: 1, symbol: evil }],
        }),
      ],
      breakingCode: [breakingCode({ database: evil, path: evil, code: evil, model: evil, error: evil })],
      errors: [{ message: `${evil}\n\`\`\`\n</details>`, path: evil, revision: evil }],
      warnings: [evil, `assumed: ${evil}`],
      standIns: [{ module: evil, database: evil, importedFrom: evil }],
      fix: fix({ database: evil, path: `v/${evil}.py`, content: `${evil}\n\`\`\`\n\`\`\`\`\n</details>` }),
      fixes: [],
      schemaDiffs: [
        { database: evil, diff: `+ ${evil}\n\`\`\`\n</details>` },
        { database: 'b', diff: '' },
      ],
    });
    report.fixes = [report.fix!];
    const md = renderMarkdown(report, { links });
    expectWellFormed(md);
    const structure = inspectMarkdown(md);
    // No heading but ours, no HTML, no mention, however the name was cut.
    // "## pwned" only ever stands inside a fenced block; outside, every heading is ours.
    expect(structure.fencedBlocks.some((b) => /^## pwned/m.test(b.content))).toBe(true);
    const headings = structure.outsideFences.filter((l) => /^ {0,3}#/.test(l));
    expect(headings).toHaveLength(2);
    for (const line of headings) expect(line).toMatch(/^(## driftbot · |### (Database |Proposed fix: ))/);
    for (const line of structure.prose) {
      expect(line).not.toMatch(/<(?!\/?(details|summary)>|!-- driftbot:sticky \{)/);
      // Link destinations are URLs, never rendered as text.
      expect(line.replace(/\]\(https:[^)\s]*\)/g, ']')).not.toMatch(/@\w/);
    }
    // The table row still has its six cells.
    expect(structure.outsideFences.filter((l) => l.startsWith('| ❌'))).toHaveLength(1);
    // The summary is raw HTML: escaped as HTML.
    expect(md).toContain('<summary>Schema diff of x`|&lt;img src=x onerror=alert(1)&gt;@\u200boctocat ## pwned: upgraded → fresh</summary>');
    // Fenced content is quoted whole, whatever fences it holds.
    expect(structure.fencedBlocks.map((b) => b.content)).toEqual(expect.arrayContaining([`${evil}\n\`\`\`\n\`\`\`\`\n</details>`]));
  });
});
