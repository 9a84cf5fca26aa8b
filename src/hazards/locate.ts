/**
 * Which line of a revision file issued a statement. The runner records statements, not
 * lines, so this is a best guess: upgrade() is cut into op calls (each from its `op.…(`
 * line to the next), and the call that names the most of the statement's identifiers
 * wins, an op whose name fits the statement (`op.create_index` for CREATE INDEX)
 * breaking ties; its first line is the answer, else the `def upgrade` line. A statement
 * built in a loop or a helper points at the closest call, or at upgrade().
 */
export function locate(content: string, sql: string): number {
  const lines = content.split('\n');
  const start = lines.findIndex((l) => /^\s*def upgrade\s*\(/.test(l));
  if (start < 0) return 1;
  const end = lines.findIndex((l, i) => i > start && /^\S/.test(l) && !/^\s*#/.test(l));
  const names = identifiers(sql);
  const hint = opHint(sql);
  let best = start;
  let bestScore = 0;
  for (const call of calls(lines, start + 1, end < 0 ? lines.length : end)) {
    const text = lines.slice(call.from, call.to).join('\n');
    const score = names.filter((name) => new RegExp(`(?<![\\w$])${escapeText(name)}(?![\\w$])`).test(text)).length + (hint && call.op === hint ? 0.5 : 0);
    if (score > bestScore) [best, bestScore] = [call.from, score];
  }
  return best + 1;
}

/** Each `op.name(` line of the body to the next: the calls, by line index. */
function calls(lines: string[], from: number, to: number): { from: number; to: number; op: string }[] {
  const found: { from: number; to: number; op: string }[] = [];
  for (let i = from; i < to; i++) {
    const op = /\bop\.(\w+)\s*\(/.exec(lines[i]!)?.[1];
    if (!op) continue;
    if (found.length) found[found.length - 1]!.to = i;
    found.push({ from: i, to, op });
  }
  return found;
}

const HINTS: [RegExp, string][] = [
  [/^CREATE (?:UNIQUE )?INDEX/i, 'create_index'],
  [/^DROP INDEX/i, 'drop_index'],
  [/^CREATE TABLE/i, 'create_table'],
  [/^DROP TABLE/i, 'drop_table'],
  [/^ALTER TABLE \S+ ADD CONSTRAINT \S+ FOREIGN KEY/i, 'create_foreign_key'],
  [/^ALTER TABLE \S+ ADD CONSTRAINT \S+ CHECK/i, 'create_check_constraint'],
  [/^ALTER TABLE \S+ ADD /i, 'add_column'],
  [/^ALTER TABLE \S+ DROP COLUMN/i, 'drop_column'],
  [/^ALTER TABLE \S+ ALTER /i, 'alter_column'],
];

function opHint(sql: string): string | null {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return HINTS.find(([pattern]) => pattern.test(flat))?.[1] ?? null;
}

/** Names in the statement: quoted ones, and lower-case words (SQLAlchemy writes keywords in upper case). */
function identifiers(sql: string): string[] {
  const quoted = [...sql.matchAll(/"((?:[^"]|"")+)"/g)].map((m) => m[1]!.replace(/""/g, '"'));
  const words = sql.replace(/"(?:[^"]|"")+"|'(?:[^']|'')*'/g, ' ').match(/[A-Za-z_][\w$]*/g) ?? [];
  return [...new Set([...quoted, ...words.filter((w) => w !== w.toUpperCase())])];
}

function escapeText(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
