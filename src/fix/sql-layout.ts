/**
 * Whether a statement may be re-indented: true when every line break lies between
 * tokens or in a comment, never inside a string, a quoted name or a dollar-quoted body
 * (where it is part of the value: a function's source, a view's query in a literal).
 * The body of a `DO` block is code, so it is read the same way. Anything unsure is false.
 */
export function canReindent(sql: string): boolean {
  return breaksBetweenTokens(sql, 0, sql.length);
}

const IDENTIFIER_CHAR = /[\p{L}\p{N}_$]/u;

function breaksBetweenTokens(sql: string, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = sql[i]!;
    const previous = i > start ? sql[i - 1]! : '';
    if (c === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 || eol > end ? end : eol;
    } else if (c === '/' && sql[i + 1] === '*') {
      i = blockCommentEnd(sql, i, end);
    } else if (c === "'" || c === '"') {
      // E'…' reads backslash escapes; everything else only doubles its quote.
      const escapes = c === "'" && /[eE]/.test(previous) && !IDENTIFIER_CHAR.test(i > start + 1 ? sql[i - 2]! : '');
      const close = quotedEnd(sql, i, end, c, escapes);
      if (close === -1 || sql.slice(i, close).includes('\n')) return false;
      i = close;
    } else if (c === '$' && !IDENTIFIER_CHAR.test(previous)) {
      const tag = /^\$(?:[\p{L}_][\p{L}\p{N}_]*)?\$/u.exec(sql.slice(i, end))?.[0];
      if (!tag) {
        i++;
        continue;
      }
      const close = sql.indexOf(tag, i + tag.length);
      if (close === -1 || close + tag.length > end) return false;
      const isDoBody = /\bDO\s+$/i.test(sql.slice(start, i));
      if (isDoBody ? !breaksBetweenTokens(sql, i + tag.length, close) : sql.slice(i, close).includes('\n')) return false;
      i = close + tag.length;
    } else {
      i++;
    }
  }
  return true;
}

/** Index just past the closing quote, or -1 when there is none. */
function quotedEnd(sql: string, open: number, end: number, quote: string, escapes: boolean): number {
  for (let j = open + 1; j < end; j++) {
    if (escapes && sql[j] === '\\') j++;
    else if (sql[j] === quote) {
      if (sql[j + 1] === quote) j++;
      else return j + 1;
    }
  }
  return -1;
}

/** Block comments nest in Postgres. */
function blockCommentEnd(sql: string, open: number, end: number): number {
  let depth = 0;
  for (let j = open; j < end - 1; j++) {
    if (sql[j] === '/' && sql[j + 1] === '*') {
      depth++;
      j++;
    } else if (sql[j] === '*' && sql[j + 1] === '/') {
      depth--;
      j++;
      if (depth === 0) return j + 1;
    }
  }
  return end;
}
