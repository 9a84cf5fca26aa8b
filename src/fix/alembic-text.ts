/**
 * SQL for `op.execute(str)`. Alembic wraps a string in SQLAlchemy's `text()`, which
 * reads `:name` as a bind parameter and turns `\:` into `:`. A default of `' :x'`
 * or a check on `'a\:b'` would then fail or change. Every colon that `text()` would
 * read gets a backslash, which `text()` takes away again: Postgres receives the SQL
 * exactly as planned.
 */

/** Python's `\w` in SQLAlchemy's patterns (`re.UNICODE`). */
const WORD = /[\p{L}\p{N}_]/u;

export function escapeForSqlalchemyText(sql: string): string {
  const chars = [...sql];
  let out = '';
  chars.forEach((c, i) => {
    if (c === ':' && readByText(chars, i)) out += '\\';
    out += c;
  });
  return out;
}

/**
 * SQLAlchemy 2's two patterns: a bind `(?<![:\w\\]):(\w+)(?![:\w])`, and the escape
 * `\\(:\w*)(?![:\w])` that drops the backslash before such a colon.
 */
function readByText(chars: string[], colon: number): boolean {
  const previous = chars[colon - 1] ?? '';
  if (previous === ':' || WORD.test(previous)) return false;
  let end = colon + 1;
  while (end < chars.length && WORD.test(chars[end]!)) end++;
  if (chars[end] === ':') return false;
  return previous === '\\' || end > colon + 1;
}
