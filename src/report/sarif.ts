/**
 * SARIF 2.1.0, for code-scanning dashboards: one result per finding (located at the
 * revision line that caused it, else at the model that declares it), one for a failed
 * upgrade and one per error. Every fact comes from the Report.
 */
import type { Finding, Report } from './report.js';
import { packageVersion } from '../version.js';
import { ruleDoc, summarize } from './summary.js';
import { RULES } from '../hazards/rules/index.js';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

type Level = 'error' | 'warning';

interface Result {
  ruleId: string;
  ruleIndex?: number;
  level: Level;
  message: { text: string };
  locations: ReturnType<typeof location>[];
}

const RULE_DESCRIPTIONS: Record<string, string> = {
  'missing-on-upgraded': 'Fresh installs have this object; databases upgraded from base lack it',
  'only-on-upgraded': 'Databases upgraded from base have this object; fresh installs no longer create it',
  'differs-on-upgraded': 'Fresh installs and databases upgraded from base define this object differently',
  'missing-in-migrations': 'The models declare this object; no migration creates it',
  'differs-from-models': 'The models declare this object otherwise than the migrations create it',
  'revision-graph': 'The revision graph is broken',
  'upgrade-failure': 'Upgrading a database from base to this branch fails',
  error: 'driftbot could not analyse this branch',
};

const HAZARD_SUMMARIES = new Map(RULES.map((rule) => [rule.id, rule.summary]));

export function renderSarif(report: Report): string {
  const { hazards } = summarize(report);
  const results: Result[] = [
    ...report.findings.map((finding) => ({
      ruleId: `driftbot/${finding.difference}`,
      level: (finding.breaksCode ? 'error' : 'warning') as Level,
      message: { text: findingMessage(finding, report.base.ref) },
      locations: findingLocations(finding),
    })),
    ...(report.upgradeFailure
      ? [
          {
            ruleId: 'driftbot/upgrade-failure',
            level: 'error' as Level,
            message: { text: nonEmpty(`revision ${report.upgradeFailure.revision} fails: ${report.upgradeFailure.error}`) },
            locations: [location(report.upgradeFailure.path, report.upgradeFailure.line)],
          },
        ]
      : []),
    // Hazards' ruleIds are the rules' own ids (docs/rules/<id>.md); allowed ones are left out, and the proposed fix's file has no location yet.
    ...hazards.shown.map((hazard) => ({
      ruleId: hazard.rule,
      level: hazard.severity as Level,
      message: { text: nonEmpty(hazard.message) },
      locations: hazards.inRepository.includes(hazard) ? [location(hazard.path, hazard.line)] : [],
    })),
    ...report.errors.map((error) => ({
      ruleId: 'driftbot/error',
      level: 'error' as Level,
      message: { text: nonEmpty(error.message) },
      locations: error.path ? [location(error.path, null)] : [],
    })),
  ];
  const ruleIds = [...new Set(results.map((r) => r.ruleId))];
  const rules = ruleIds.map((id) => {
    if (!id.startsWith('driftbot/')) return { id, name: id, shortDescription: { text: HAZARD_SUMMARIES.get(id) ?? id }, helpUri: ruleDoc(id) };
    const name = id.slice('driftbot/'.length);
    return { id, name, shortDescription: { text: RULE_DESCRIPTIONS[name] ?? name } };
  });
  for (const result of results) result.ruleIndex = ruleIds.indexOf(result.ruleId);
  const sarif = {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'driftbot', version: packageVersion(), rules } },
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

function findingMessage(finding: Finding, base: string): string {
  if (finding.difference === 'revision-graph') return nonEmpty(finding.fresh ?? finding.name);
  const name = finding.table ? `${finding.table}.${finding.name}` : finding.name;
  const cause = finding.cause ? `; ${finding.cause.revision} ${finding.cause.kind.replace(/-/g, ' ')}` : '';
  return `${finding.object} ${name}: fresh install ${finding.fresh ?? 'missing'}, upgraded from ${base} ${finding.upgraded ?? 'missing'}, models ${finding.models ?? 'missing'}${cause}`;
}

/** Where to look: the revision that caused it, else the model that declares it. */
function findingLocations(finding: Finding): ReturnType<typeof location>[] {
  if (finding.cause) return [location(finding.cause.path, finding.cause.line)];
  const reference = finding.references[0];
  return reference ? [location(reference.path, reference.line)] : [];
}

/** A repository-relative path as a URI reference (spaces and the like percent-encoded). */
function location(path: string, line: number | null) {
  const uri = path.split('/').map(encodeURIComponent).join('/');
  return { physicalLocation: { artifactLocation: { uri, uriBaseId: '%SRCROOT%' }, ...(line && line > 0 ? { region: { startLine: line } } : {}) } };
}

/** SARIF requires a message text; the repository's error may be empty. */
function nonEmpty(text: string): string {
  return text.trim() === '' ? '(no message)' : text;
}
