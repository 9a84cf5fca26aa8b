import { describe, expect, it } from 'vitest';
import { isStickyComment, readMarker, writeMarker } from '../../src/report/marker.js';

const SHA = 'e4f5a6b7c8d90718293a4b5c6d7e8f9012345678';

describe('the sticky marker', () => {
  it('writes the run state as JSON in an HTML comment, and reads it back', () => {
    const marker = writeMarker({ status: 'drift', head: SHA, findings: 3 });
    expect(marker).toBe(`<!-- driftbot:sticky {"v":1,"status":"drift","head":"${SHA}","findings":3} -->`);
    expect(readMarker(`${marker}\n\n## driftbot · whatever the prose says: no schema drift`)).toEqual({ status: 'drift', head: SHA, findings: 3 });
    expect(isStickyComment(marker)).toBe(true);
  });

  it('finds old comments without data too, but knows nothing of them', () => {
    const old = '<!-- driftbot:sticky -->\n\n## driftbot · could not analyse this branch';
    expect(isStickyComment(old)).toBe(true);
    expect(readMarker(old)).toBe('unknown');
    expect(isStickyComment('<!-- driftbotish -->')).toBe(false);
    expect(isStickyComment('Thanks! <!-- driftbot:sticky {"v":1} -->')).toBe(false);
  });

  it('treats an edited marker as unknown: bad JSON, another version, a foreign status, a bad count', () => {
    const edited = [
      '<!-- driftbot:sticky {"v":1,"status":"drift" -->',
      '<!-- driftbot:sticky {"v":2,"status":"drift","head":null,"findings":3} -->',
      '<!-- driftbot:sticky {"v":1,"status":"pwned","head":null,"findings":3} -->',
      '<!-- driftbot:sticky {"v":1,"status":"drift","head":null,"findings":-1} -->',
      '<!-- driftbot:sticky {"v":1,"status":"drift","head":null,"findings":"3"} -->',
      '<!-- driftbot:sticky {"v":1,"status":"drift","head":null,"findings":1.5} -->',
      '<!-- driftbot:sticky ["v",1] -->',
      '<!-- driftbot:sticky null -->',
      '<!-- driftbot:sticky {"v":1,"status":"drift","head":null,"findings":3}',
      '',
    ];
    for (const body of edited) expect(readMarker(body), body).toBe('unknown');
  });

  it('reads a head that is not a commit id as none, and never writes one', () => {
    expect(readMarker('<!-- driftbot:sticky {"v":1,"status":"clean","head":"--> <img src=x>","findings":0} -->')).toEqual({ status: 'clean', head: null, findings: 0 });
    const marker = writeMarker({ status: 'clean', head: '--> <script>', findings: 0 });
    expect(marker).toBe('<!-- driftbot:sticky {"v":1,"status":"clean","head":null,"findings":0} -->');
    expect(marker.indexOf('-->')).toBe(marker.length - 3);
  });
});
