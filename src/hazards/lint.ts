/**
 * Deployment hazards: every rule over every statement the given revisions executed, in
 * the order they ran, each hazard placed at its revision's line and marked suppressed
 * when the revision allows its rule. Pure: the statements were recorded by the runner.
 */
import type { Hazard } from '../report/report.js';
import type { RuleContext } from './rule.js';
import { locate } from './locate.js';
import { RULES } from './rules/index.js';
import { isCreateTable, parseStatement, type Statement } from './statement.js';
import { readSuppressions } from './suppress.js';

export interface LintedRevision {
  revision: string;
  /** Repository-relative path of the revision file. */
  path: string;
  statements: string[];
  /** The file's text: where lines and suppressions are read. */
  content: string;
}

export interface LintInput {
  database: string;
  /** What existing databases run on deploy, in order: the pull request's revisions, then driftbot's fix. */
  revisions: LintedRevision[];
  /** Table → columns head's models map; null without models. */
  mapped: ReadonlyMap<string, ReadonlySet<string>> | null;
}

export interface LintResult {
  hazards: Hazard[];
  /** Malformed or unused `# driftbot: allow` comments, naming file and line. */
  warnings: string[];
}

export function lintRevisions(input: LintInput): LintResult {
  const hazards: Hazard[] = [];
  const warnings: string[] = [];
  // Tables created by these revisions: on existing databases they are new, empty and unread.
  const newTables = new Set<string>();
  for (const run of input.revisions) {
    const { suppressions, problems } = readSuppressions(run.content);
    warnings.push(...problems.map((p) => `${run.path}:${p.line}: malformed "# driftbot: allow" comment: ${p.message}`));
    const allowed = new Set(suppressions.map((s) => s.rule));
    const found: Hazard[] = [];
    const earlier: Statement[] = [];
    for (const raw of run.statements) {
      const statement = parseStatement(raw);
      const context: RuleContext = { newTables, earlier, mapped: input.mapped };
      for (const rule of RULES) {
        for (const h of rule.check(statement, context)) {
          found.push({
            database: input.database,
            rule: h.rule,
            severity: h.severity,
            revision: run.revision,
            path: run.path,
            line: locate(run.content, raw),
            statement: statement.sql,
            message: h.message,
            suppressed: allowed.has(h.rule),
          });
        }
      }
      if (isCreateTable(statement) && statement.table) newTables.add(statement.table);
      earlier.push(statement);
    }
    for (const s of suppressions.filter((s) => !found.some((h) => h.rule === s.rule))) {
      warnings.push(`${run.path}:${s.line}: "# driftbot: allow ${s.rule}" allows nothing: revision ${run.revision} has no ${s.rule} hazard; remove the comment`);
    }
    hazards.push(...found);
  }
  return { hazards, warnings };
}
