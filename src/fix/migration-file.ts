/**
 * The fix as a complete Alembic revision file: one `op.execute` per step, disabled
 * steps written as comments with their reason, and a downgrade that says why it does
 * nothing.
 */
import type { FixStep } from '../analysis/report.js';

export interface MigrationFileInput {
  revision: string;
  /** One head, or several: a merge revision. */
  downRevisions: string[];
  message: string;
  steps: FixStep[];
  downgradeNote: string;
}

export function migrationFile(input: MigrationFileInput): string {
  const body: string[] = [];
  for (const step of input.steps) {
    if (body.length) body.push('');
    for (const comment of step.comments) body.push(...wrapComment(step.disabled ? `DISABLED: ${comment}` : comment));
    if (step.disabled) body.push(...`op.execute(${pythonString(step.sql)})`.split('\n').map((line) => `# ${line}`.trimEnd()));
    else body.push(...`op.execute(${pythonString(step.sql)})`.split('\n'));
  }
  if (input.steps.every((s) => s.disabled)) body.push(...(body.length ? [''] : []), 'pass');
  const down = input.downRevisions.length === 1 ? pythonString(input.downRevisions[0]!) : `(${input.downRevisions.map(pythonString).join(', ')})`;
  const message = input.message.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"').replace(/\s+/g, ' ');
  return `"""${message}

Revision ID: ${input.revision}
Revises: ${input.downRevisions.join(', ')}
"""
from alembic import op

revision = ${pythonString(input.revision)}
down_revision = ${down}
branch_labels = None
depends_on = None


def upgrade() -> None:
${indent(body)}


def downgrade() -> None:
${indent([...wrapComment(input.downgradeNote), 'pass'])}
`;
}

/**
 * A Python string literal for any text: plain double quotes for one line, a raw-free
 * triple-quoted string for several, with backslashes and quotes escaped so the SQL
 * reaches Postgres exactly as written.
 */
export function pythonString(text: string): string {
  const escaped = text.replace(/\\/g, '\\\\');
  if (!text.includes('\n')) return `"${escaped.replace(/"/g, '\\"')}"`;
  return `"""\n${escaped.replace(/"""/g, '\\"\\"\\"').replace(/"$/, '\\"')}\n"""`;
}

function wrapComment(text: string): string[] {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let line = '#';
  for (const word of words) {
    if (line.length + word.length + 1 > 88 && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

function indent(lines: string[]): string {
  return lines.map((line) => (line ? `    ${line}` : '')).join('\n');
}
