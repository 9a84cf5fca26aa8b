import { describe, expect, it } from 'vitest';
import { renderSarif } from '../../src/report/sarif.js';
import { errorReport, finding, modelOnlyReport, seedReport, upgradeFailureReport } from './fixtures.js';

interface Sarif {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; version: string; rules: { id: string; shortDescription: { text: string } }[] } };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region?: { startLine: number } } }[];
    }[];
  }[];
}

/** What SARIF 2.1.0 requires of the parts driftbot writes. */
function expectValidShape(sarif: Sarif): void {
  expect(sarif.version).toBe('2.1.0');
  expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
  expect(sarif.runs).toHaveLength(1);
  const run = sarif.runs[0]!;
  expect(run.tool.driver.name).toBe('driftbot');
  expect(run.tool.driver.version).toMatch(/^\d+\.\d+\.\d+/);
  const ids = run.tool.driver.rules.map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const rule of run.tool.driver.rules) expect(rule.shortDescription.text.length).toBeGreaterThan(0);
  for (const result of run.results) {
    expect(['error', 'warning', 'note', 'none']).toContain(result.level);
    expect(ids[result.ruleIndex]).toBe(result.ruleId);
    expect(result.message.text.trim().length).toBeGreaterThan(0);
    for (const location of result.locations) {
      expect(location.physicalLocation.artifactLocation.uri).not.toMatch(/[\s]|^\//);
      if (location.physicalLocation.region) expect(location.physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
    }
  }
}

describe('renderSarif', () => {
  it('one result per finding, at the line of the revision that caused it', () => {
    const sarif = JSON.parse(renderSarif(seedReport())) as Sarif;
    expectValidShape(sarif);
    const results = sarif.runs[0]!.results;
    expect(results.map((r) => [r.ruleId, r.level])).toEqual([
      ['driftbot/missing-on-upgraded', 'error'],
      ['driftbot/missing-on-upgraded', 'error'],
      ['driftbot/differs-on-upgraded', 'warning'],
    ]);
    expect(results[0]!.locations).toEqual([
      {
        physicalLocation: {
          artifactLocation: { uri: 'api/oss/databases/postgres/migrations/core/versions/oss000000008_add_session_streams.py', uriBaseId: '%SRCROOT%' },
          region: { startLine: 34 },
        },
      },
    ]);
    expect(results[0]!.message.text).toBe('column session_streams.tags: fresh install jsonb, upgraded from main missing, models jsonb; oss000000008 edited in place');
  });

  it('a finding without a cause is located at the model that declares it', () => {
    const [result] = (JSON.parse(renderSarif(modelOnlyReport())) as Sarif).runs[0]!.results;
    expect(result!.ruleId).toBe('driftbot/missing-in-migrations');
    expect(result!.locations[0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'analytics/models/events.py', uriBaseId: '%SRCROOT%' }, region: { startLine: 12 } });
  });

  it('one result for a failed upgrade and one per error', () => {
    const upgrade = JSON.parse(renderSarif(upgradeFailureReport())) as Sarif;
    expectValidShape(upgrade);
    expect(upgrade.runs[0]!.results).toMatchObject([{ ruleId: 'driftbot/upgrade-failure', level: 'error', locations: [{ physicalLocation: { region: { startLine: 17 } } }] }]);
    const error = JSON.parse(renderSarif(errorReport({ errors: [...errorReport().errors, { message: '', path: null, revision: null }] }))) as Sarif;
    expectValidShape(error);
    expect(error.runs[0]!.results.map((r) => r.ruleId)).toEqual(['driftbot/error', 'driftbot/error']);
    expect(error.runs[0]!.results[1]!.locations).toEqual([]);
  });

  it('percent-encodes paths into URIs', () => {
    const sarif = JSON.parse(renderSarif(seedReport({ findings: [finding({ cause: { revision: 'r', path: 'dir with space/a#b.py', line: 0, kind: 'created-by' } })] }))) as Sarif;
    expectValidShape(sarif);
    expect(sarif.runs[0]!.results[0]!.locations[0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'dir%20with%20space/a%23b.py', uriBaseId: '%SRCROOT%' } });
  });
});
