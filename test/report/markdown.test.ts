import { describe, expect, it } from 'vitest';
import { renderMarkdown, STICKY_MARKER } from '../../src/report/markdown.js';
import { codeBlock, inlineCode, plainText } from '../../src/report/escape.js';
import { finding, seedReport } from './fixtures.js';

const fencesBalanced = (md: string) => {
  let open: string | null = null;
  for (const line of md.split('\n')) {
    const fence = /^\s*(`{3,})/.exec(line)?.[1];
    if (!fence) continue;
    if (open === null) open = fence;
    else if (line.trim() === open) open = null;
  }
  return open === null;
};
const detailsBalanced = (md: string) => (md.match(/<details>/g) ?? []).length === (md.match(/<\/details>/g) ?? []).length;

describe('renderMarkdown', () => {
  it('puts what a maintainer needs first: marker, headline, count and cause, then the table', () => {
    const md = renderMarkdown(seedReport());
    const lines = md.split('\n');
    expect(lines[0]).toBe(STICKY_MARKER);
    expect(lines[2]).toBe('## driftbot · schema drift: existing databases will not match this branch');
    expect(md).toContain('**3 differences** between a fresh install of this branch and a database upgraded from `main` (`a1b2c3d`), in database `core`.');
    expect(md).toContain('**`oss000000008_add_session_streams.py` was edited after it was applied** on `main`');
    expect(md).toContain('| ❌ | `session_streams.tags` | `jsonb` | — missing | `jsonb` · `TagsDBA` `dbas.py`:190 | added in place at `oss000000008` L34 |');
    expect(md).toContain('| ⚠️ | `session_streams.status` | `character varying` | `jsonb` | `character varying` | changed in place at `oss000000008` L34 |');
    expect(md.indexOf('**What breaks:**')).toBeLessThan(md.indexOf('### Proposed fix'));
    expect(md).toContain('✅ **Verified**');
    expect(fencesBalanced(md)).toBe(true);
    expect(detailsBalanced(md)).toBe(true);
  });

  it('links sources when told how', () => {
    const md = renderMarkdown(seedReport(), { links: (path, line) => `https://github.com/o/r/blob/e4f5a6b/${path}${line ? `#L${line}` : ''}` });
    expect(md).toContain('[`dbas.py`:190](https://github.com/o/r/blob/e4f5a6b/api/oss/src/dbs/postgres/shared/dbas.py#L190)');
  });

  it('says clean plainly', () => {
    const md = renderMarkdown(seedReport({ status: 'clean', findings: [], editedMigrations: [], fix: null, fixes: [], breakingCode: [], schemaDiffs: [] }));
    expect(md).toContain('## driftbot · no schema drift');
    expect(md).not.toContain('Proposed fix');
  });

  it('names the file and revision at fault when it could not analyse', () => {
    const md = renderMarkdown(seedReport({ status: 'error', findings: [], fix: null, fixes: [], errors: [{ message: 'relation "x" does not exist', path: 'migrations/versions/0002_broken.py', revision: '0002' }] }));
    expect(md).toContain('## driftbot · could not analyse this branch');
    expect(md).toContain('`migrations/versions/0002_broken.py`, revision `0002`');
    expect(md).toContain('relation "x" does not exist');
  });

  it('renders hostile names inert: no HTML, no mentions, no broken fences or tables', () => {
    const evil = 'x`|<img src=x onerror=alert(1)>@octocat\n## pwned ```';
    const md = renderMarkdown(seedReport({ findings: [finding({ table: evil, name: evil, fresh: evil })], errors: [], breakingCode: [] }));
    expect(md).not.toMatch(/^## pwned/m);
    // Outside code spans (where GitHub renders nothing), no HTML survives.
    expect(md.replace(/(`+)[\s\S]*?\1/g, '')).not.toContain('<img');
    const row = md.split('\n').find((l) => l.startsWith('| ❌'))!;
    // Six cells, however many pipes the name holds.
    expect(row.replace(/\\\|/g, '').split('|').length).toBe(8);
    expect(fencesBalanced(md)).toBe(true);
    expect(plainText('@octocat <b>')).toBe('@\u200boctocat &lt;b&gt;');
    expect(inlineCode('a ``` b')).toBe('````a ``` b````');
    expect(codeBlock('```\nx')).toBe('````\n```\nx\n````');
  });

  it('stays under the limit, cutting the schema diff first, and stays well formed', () => {
    const big = seedReport({
      schemaDiffs: [{ database: 'core', diff: `${'+ line\n'.repeat(40_000)}` }],
      findings: Array.from({ length: 500 }, (_, i) => finding({ name: `column_${i}` })),
    });
    const md = renderMarkdown(big, { maxLength: 65_000, evidenceUrl: 'https://github.com/o/r/runs/1' });
    expect(md.length).toBeLessThanOrEqual(65_000);
    expect(md).toContain('[see the check run](https://github.com/o/r/runs/1)');
    expect(fencesBalanced(md)).toBe(true);
    expect(detailsBalanced(md)).toBe(true);
    const small = renderMarkdown(seedReport({ schemaDiffs: [{ database: 'core', diff: '+ x\n'.repeat(30_000) }] }), { maxLength: 65_000 });
    expect(small).toContain('```python');
    expect(small).not.toContain('+ x\n+ x');
  });
});
