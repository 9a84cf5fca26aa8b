import { describe, expect, it } from 'vitest';
import { renderJson } from '../../src/report/json.js';
import { renderSarif } from '../../src/report/sarif.js';
import { renderText } from '../../src/report/text.js';
import { seedReport } from './fixtures.js';

describe('json', () => {
  it('puts the contract’s fields first, in its order, and round-trips', () => {
    const report = seedReport();
    const json = renderJson(report);
    expect(Object.keys(JSON.parse(json)).slice(0, 10)).toEqual(['schemaVersion', 'status', 'base', 'head', 'editedMigrations', 'findings', 'upgradeFailure', 'fix', 'errors', 'timings']);
    expect(JSON.parse(json)).toEqual(report);
  });
});

describe('text', () => {
  it('one line per finding; colour only when asked; no terminal control from the repository', () => {
    const report = seedReport({ errors: [{ message: 'boom\x1b[2J\x1b]0;title\x07', path: null, revision: null }] });
    const plain = renderText(report);
    expect(plain).toContain('session_streams.tags [column]  fresh: jsonb  upgraded: missing  models: jsonb  (oss000000008 edited in place, L34)');
    expect(plain).not.toContain('\x1b');
    expect(renderText(report, { color: true })).toContain('\x1b[');
  });
});

describe('sarif', () => {
  it('is SARIF 2.1.0 with one result per finding, located at the cause', () => {
    const sarif = JSON.parse(renderSarif(seedReport()));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results).toHaveLength(3);
    expect(sarif.runs[0].results[0]).toMatchObject({ ruleId: 'driftbot/missing-on-upgraded', level: 'error', locations: [{ physicalLocation: { region: { startLine: 34 } } }] });
  });
});
