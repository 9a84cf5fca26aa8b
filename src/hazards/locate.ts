/**
 * Which line of a revision file issued a statement. The runner records statements, not
 * lines, so this is a best guess: the line of upgrade() that names the most of the
 * statement's identifiers (as Python string literals), walked back to the start of its
 * op call; else the `def upgrade` line. A statement built in a loop or a helper points
 * at the closest match, or at upgrade().
 */
export function locate(content: string, sql: string): number {
  const lines = content.split('\n');
  const start = lines.findIndex((l) => /^\s*def upgrade\s*\(/.test(l));
  if (start < 0) return 1;
  const end = lines.findIndex((l, i) => i > start && /^\S/.test(l) && !/^\s*#/.test(l));
  const body = lines.slice(start + 1, end < 0 ? undefined : end);
  const names = identifiers(sql);
  let best = -1;
  let bestScore = 0;
  body.forEach((text, i) => {
    const score = names.filter((name) => text.includes(`'${name}'`) || text.includes(`"${name}"`)).length;
    if (score > bestScore) [best, bestScore] = [i, score];
  });
  if (best < 0) return start + 1;
  // Back to the line that opens the call (an argument on its own line names the column).
  let line = best;
  while (line > 0 && !/\bop\.\w+\s*\(/.test(body[line]!) && !/^\s*$/.test(body[line - 1]!)) line--;
  if (!/\bop\.\w+\s*\(/.test(body[line]!)) line = best;
  return start + 2 + line;
}

/** Words and quoted names a Python string literal might hold, keywords included (they rarely match a literal). */
function identifiers(sql: string): string[] {
  const quoted = [...sql.matchAll(/"((?:[^"]|"")+)"/g)].map((m) => m[1]!.replace(/""/g, '"'));
  const words = sql.replace(/"(?:[^"]|"")+"|'(?:[^']|'')*'/g, ' ').match(/[A-Za-z_][\w$]*/g) ?? [];
  return [...new Set([...quoted, ...words.filter((w) => w !== w.toUpperCase())])];
}
