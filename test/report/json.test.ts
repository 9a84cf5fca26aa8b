import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/report.js';
import { renderJson } from '../../src/report/json.js';
import { errorReport, seedReport, upgradeFailureReport } from './fixtures.js';

const CONTRACT = ['schemaVersion', 'status', 'base', 'head', 'editedMigrations', 'findings', 'upgradeFailure', 'fix', 'errors', 'timings'];

/** The same report with every object's keys in reverse order, as a pipeline might build them. */
function scrambled<T>(value: T): T {
  if (Array.isArray(value)) return value.map(scrambled) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, scrambled(v)]),
    ) as T;
  return value;
}

describe('renderJson', () => {
  it('is pretty JSON with a trailing newline that round-trips', () => {
    const report = seedReport();
    const json = renderJson(report);
    expect(json.endsWith('}\n')).toBe(true);
    expect(json.split('\n')[1]).toBe('  "schemaVersion": 1,');
    expect(JSON.parse(json)).toEqual(report);
    for (const other of [errorReport(), upgradeFailureReport()]) expect(JSON.parse(renderJson(other))).toEqual(other);
  });

  it('puts the contract’s fields first, in the contract’s order, then the extensions', () => {
    const parsed = JSON.parse(renderJson(scrambled(seedReport())));
    const keys = Object.keys(parsed);
    expect(keys.slice(0, CONTRACT.length)).toEqual(CONTRACT);
    expect(keys.slice(CONTRACT.length).sort()).toEqual(
      ['breakingCode', 'databases', 'environment', 'fixes', 'hazards', 'schemaDiffs', 'scope', 'standIns', 'startingPoints', 'warnings'].sort(),
    );
  });

  it('orders the contract’s nested objects the same way, whatever order they were built in', () => {
    const report = scrambled(
      upgradeFailureReport({ ...seedReport(), upgradeFailure: upgradeFailureReport().upgradeFailure, errors: [{ message: 'm', path: 'p', revision: 'r' }] }),
    );
    const parsed = JSON.parse(renderJson(report)) as Report;
    expect(Object.keys(parsed.base)).toEqual(['ref', 'sha']);
    expect(Object.keys(parsed.editedMigrations[0]!).slice(0, 4)).toEqual(['database', 'revision', 'path', 'change']);
    expect(Object.keys(parsed.findings[0]!).slice(0, 10)).toEqual(['database', 'object', 'table', 'name', 'fresh', 'upgraded', 'models', 'cause', 'references', 'startingPoints']);
    expect(Object.keys(parsed.findings[0]!.cause!).slice(0, 2)).toEqual(['revision', 'path']);
    expect(Object.keys(parsed.findings[0]!.references[0]!).slice(0, 2)).toEqual(['path', 'line']);
    expect(Object.keys(parsed.upgradeFailure!).slice(0, 3)).toEqual(['revision', 'path', 'error']);
    expect(Object.keys(parsed.fix!).slice(0, 7)).toEqual(['revision', 'downRevision', 'path', 'content', 'statements', 'verified', 'remainingDifferences']);
    expect(Object.keys(parsed.errors[0]!)).toEqual(['message', 'path', 'revision']);
    expect(Object.keys(parsed.timings)[0]).toBe('totalMs');
    // Reordering changes no value.
    expect(parsed).toEqual(report);
  });
});
