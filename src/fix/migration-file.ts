/**
 * The fix as a complete Alembic revision file: one `op.execute` per step, each under
 * its comments; disabled steps written as comments with their reason; a downgrade
 * that says why it does nothing.
 */
import type { FixStep } from '../report/report.js';
import { escapeForSqlalchemyText } from './alembic-text.js';
import { commentLines, docstringText, pythonString, tripleQuotedBody } from './python-source.js';
import { canReindent } from './sql-layout.js';

export interface MigrationFileInput {
  revision: string;
  /** The chain's head, or its heads: the fix then merges them. None: a first revision. */
  downRevisions: string[];
  message: string;
  steps: FixStep[];
  downgradeNote: string;
}

/**
 * The fix's first statement: an ALTER that waits for its lock behind a long transaction
 * queues every query on the table behind it; a lock timeout fails the deploy instead
 * (driftbot's own rule, docs/rules/missing-lock-timeout.md).
 */
export const FIX_LOCK_TIMEOUT = "SET lock_timeout = '5s'";

export function migrationFile(input: MigrationFileInput): string {
  const downs = input.downRevisions;
  const down = downs.length === 0 ? 'None' : downs.length === 1 ? pythonString(downs[0]!) : `(${downs.map(pythonString).join(', ')})`;
  return `"""${docstringText(input.message)}

Revision ID: ${docstringText(input.revision)}
Revises: ${docstringText(input.downRevisions.join(', '))}
"""
from alembic import op

revision = ${pythonString(input.revision)}
down_revision = ${down}
branch_labels = None
depends_on = None


def upgrade() -> None:
${render(indented(upgradeBody(input.steps), 4))}


def downgrade() -> None:
${render(indented(code([...commentLines(input.downgradeNote), 'pass']), 4))}
`;
}

/** A line of code; a `fixed` one sits inside a string literal and is never indented. */
interface Line {
  text: string;
  fixed?: boolean;
}

const code = (texts: string[]): Line[] => texts.map((text) => ({ text }));

function upgradeBody(steps: FixStep[]): Line[] {
  // Always, even when every step is disabled: a step a reviewer enables runs under it too.
  return [...code([`op.execute(${pythonString(FIX_LOCK_TIMEOUT)})`, '']), ...upgradeSteps(steps)];
}

function upgradeSteps(steps: FixStep[]): Line[] {
  const lines: Line[] = [];
  for (let i = 0; i < steps.length; i++) {
    if (lines.length) lines.push({ text: '' });
    if (!needsOwnTransaction(steps[i]!)) {
      lines.push(...stepLines(steps[i]!));
      continue;
    }
    // Postgres refuses a new enum value in the transaction that added it (a default or
    // check using it would fail), and builds an index CONCURRENTLY only outside one:
    // these statements commit on their own.
    const group = [steps[i]!];
    while (i + 1 < steps.length && needsOwnTransaction(steps[i + 1]!)) group.push(steps[++i]!);
    const why = /^ALTER TYPE/.test(group[0]!.sql)
      ? 'New enum values are committed before the steps that may use them.'
      : 'Indexes are built CONCURRENTLY, outside a transaction: writes go on meanwhile.';
    lines.push(...code(commentLines(why)));
    lines.push({ text: 'with op.get_context().autocommit_block():' }, ...indented(group.flatMap(stepLines), 4));
  }
  if (steps.every((s) => s.disabled)) lines.push(...code([...(lines.length ? [''] : []), 'pass']));
  return lines;
}

function needsOwnTransaction(step: FixStep): boolean {
  return !step.disabled && (/^ALTER TYPE .+ ADD VALUE /s.test(step.sql) || /^CREATE (UNIQUE )?INDEX CONCURRENTLY /.test(step.sql));
}

function stepLines(step: FixStep): Line[] {
  const call = executeCall(escapeForSqlalchemyText(step.sql));
  if (!step.disabled) return [...code(step.comments.flatMap((c) => commentLines(c))), ...call];
  const reasons = step.comments.flatMap((c, i) => commentLines(i === 0 ? `DISABLED: ${c}` : c));
  // Commented out as it would run: removing "# " from each line enables it.
  return [...code(reasons), ...call.map((line) => ({ ...line, text: `# ${line.text}`.trimEnd() }))];
}

/**
 * One line for one-line SQL; a triple-quoted block otherwise, its lines indented with
 * the code only where that cannot change the SQL (see canReindent).
 */
function executeCall(sql: string): Line[] {
  if (!sql.includes('\n')) return code([`op.execute(${pythonString(sql)})`]);
  const fixed = !canReindent(sql);
  const body = tripleQuotedBody(sql)
    .split('\n')
    .map((text) => (fixed ? { text, fixed } : { text: text && `    ${text}` }));
  return [...code(['op.execute(', '    """']), ...body, ...code(['    """', ')'])];
}

function indented(lines: Line[], width: number): Line[] {
  return lines.map((line) => (line.fixed || !line.text ? line : { text: ' '.repeat(width) + line.text }));
}

function render(lines: Line[]): string {
  return lines.map((line) => line.text).join('\n');
}
