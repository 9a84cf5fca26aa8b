/** SARIF 2.1.0, for code-scanning dashboards: one result per finding, failure and error. */
import type { Report } from '../analysis/report.js';
import { packageVersion } from '../version.js';

export function renderSarif(report: Report): string {
  const results = [
    ...report.findings.map((finding) => ({
      ruleId: `driftbot/${finding.difference}`,
      level: finding.breaksCode ? 'error' : 'warning',
      message: {
        text: `${finding.object} ${finding.table ? `${finding.table}.` : ''}${finding.name}: fresh ${finding.fresh ?? 'missing'}, upgraded ${finding.upgraded ?? 'missing'}, models ${finding.models ?? 'n/a'}`,
      },
      locations: finding.cause ? [location(finding.cause.path, finding.cause.line)] : [],
    })),
    ...(report.upgradeFailure
      ? [{ ruleId: 'driftbot/upgrade-failure', level: 'error', message: { text: report.upgradeFailure.error }, locations: [location(report.upgradeFailure.path, report.upgradeFailure.line)] }]
      : []),
    ...report.errors.map((error) => ({ ruleId: 'driftbot/error', level: 'error', message: { text: error.message }, locations: error.path ? [location(error.path, null)] : [] })),
  ];
  const rules = [...new Set(results.map((r) => r.ruleId))].map((id) => ({ id, shortDescription: { text: id.replace('driftbot/', '').replace(/-/g, ' ') } }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'driftbot', version: packageVersion(), informationUri: 'https://github.com/driftbot/driftbot', rules } }, results }],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

function location(path: string, line: number | null) {
  return { physicalLocation: { artifactLocation: { uri: path }, ...(line ? { region: { startLine: line } } : {}) } };
}
