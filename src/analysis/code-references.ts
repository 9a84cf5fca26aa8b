/**
 * Where head's code meets a finding: the model lines that declare the object (through
 * mixins), and the queries that will fail on upgraded databases because of it — e.g.
 * `select(SessionStreamDBE)` names every mapped column, so one missing column breaks it.
 */
import type { BreakingCode, Finding, SourceReference } from '../report/report.js';

export interface ModelDeclaration {
  /** As findings name tables: unqualified in public, `schema.table` elsewhere. */
  table: string;
  className: string | null;
  path: string;
  line: number;
  columns: { name: string; className: string | null; path: string; line: number }[];
}

export interface SourceFile {
  path: string;
  content: string;
}

export function attachModelReferences(findings: Finding[], models: ModelDeclaration[]): Finding[] {
  const byTable = new Map(models.map((model) => [model.table, model]));
  return findings.map((finding) => {
    const references: SourceReference[] = [];
    if (finding.object === 'table') {
      const model = byTable.get(finding.name);
      if (model) references.push({ path: model.path, line: model.line, symbol: model.className });
    } else if (finding.object === 'column' && finding.table) {
      const column = byTable.get(finding.table)?.columns.find((c) => c.name === finding.name);
      if (column) references.push({ path: column.path, line: column.line, symbol: column.className });
    }
    return references.length ? { ...finding, references } : finding;
  });
}

/**
 * Queries that load a whole model whose table or columns are missing on upgraded
 * databases. Postgres rejects the statement outright, so every such call fails.
 */
export function findBreakingCode(findings: Finding[], models: ModelDeclaration[], sources: SourceFile[]): BreakingCode[] {
  const broken: BreakingCode[] = [];
  for (const model of models) {
    if (!model.className) continue;
    const tableMissing = findings.some((f) => f.object === 'table' && f.name === model.table && f.breaksCode && f.upgraded === null);
    const columns = findings.filter((f) => f.object === 'column' && f.table === model.table && f.breaksCode && f.upgraded === null).map((f) => f.name);
    if (!tableMissing && columns.length === 0) continue;
    const error = tableMissing ? `relation "${model.table}" does not exist` : `column ${model.table}.${columns[0]} does not exist`;
    const query = new RegExp(`\\b(select|query)\\(\\s*${escapeRegExp(model.className)}\\b`);
    for (const source of sources) {
      source.content.split('\n').forEach((text, index) => {
        if (!query.test(text)) return;
        broken.push({
          database: findings.find((f) => f.table === model.table || f.name === model.table)?.database ?? 'default',
          path: source.path,
          line: index + 1,
          code: text.trim().slice(0, 200),
          model: model.className!,
          table: model.table,
          columns,
          error,
        });
      });
    }
  }
  return broken;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
