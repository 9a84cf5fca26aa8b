/** Steps for table and column comments: `COMMENT ON … IS …` is idempotent by nature. */
import type { Comment, Schema } from '../schema/schema.js';
import { commentKey } from '../schema/kinds/comments.js';
import { compareObjects, outOfDate } from './compare.js';
import { ident, literal, qualifiedIdent } from './sql.js';
import { onTable, step, type PlannedStep } from './step.js';

export function commentSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(
    target.comments,
    current.map((s) => s.comments),
    commentKey,
  );
  for (const { key, target: comment, versions } of wanted) {
    if (!outOfDate(versions, (v) => v.text === comment.text)) continue;
    steps.push(...onTable({ schema: comment.schema, name: comment.table }, [step('comment', key, `COMMENT ON ${subject(comment)} IS ${literal(comment.text)}`)]));
  }
  for (const { key, object: comment } of extra) {
    // A table or column only old installs have keeps its comment: its own drop is disabled.
    const table = target.tables.find((t) => t.schema === comment.schema && t.name === comment.table);
    if (!table || (comment.column !== null && !table.columns.some((c) => c.name === comment.column))) continue;
    steps.push(...onTable({ schema: comment.schema, name: comment.table }, [step('comment', key, `COMMENT ON ${subject(comment)} IS NULL`)]));
  }
  return steps;
}

function subject(comment: Comment): string {
  const table = qualifiedIdent(comment.schema, comment.table);
  return comment.column === null ? `TABLE ${table}` : `COLUMN ${table}.${ident(comment.column)}`;
}
