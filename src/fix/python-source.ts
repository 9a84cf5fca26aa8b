/**
 * Python source text for values that come from the analysed repository: string
 * literals that Python reads back exactly, and comments that stay comments.
 */

/**
 * Characters that never appear raw in generated source: control characters (Python's
 * tokenizer ends a line at `\r` as well as `\n`; NUL is refused outright), format
 * characters (bidi overrides could make a line read differently than it runs), the
 * Unicode line and paragraph separators, and lone surrogates (not encodable as UTF-8).
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** Short escapes where Python has them, for a reader's sake. */
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `\n`, `\xNN`, `\uNNNN` or `\UNNNNNNNN`: an escape Python reads back as that one character. */
function escapeUnsafe(text: string, keep = ''): string {
  return text.replace(UNSAFE, (c) => {
    if (keep.includes(c)) return c;
    if (NAMED[c]) return NAMED[c];
    const code = c.codePointAt(0)!;
    if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
    return code < 0x10000 ? `\\u${code.toString(16).padStart(4, '0')}` : `\\U${code.toString(16).padStart(8, '0')}`;
  });
}

/** A one-line literal's body: backslashes and double quotes escaped, and every unsafe character, line breaks included. */
function oneLineBody(text: string): string {
  return escapeUnsafe(text.replace(/\\/g, '\\\\').replace(/"/g, '\\"'));
}

/** A double-quoted one-line literal that Python reads back as exactly `text`. */
export function pythonString(text: string): string {
  return `"${oneLineBody(text)}"`;
}

/**
 * The body of a triple-quoted literal whose line breaks (and tabs) stay as they are:
 * backslashes doubled, a quote at the very end escaped (it would merge with closing
 * quotes), then every run of three quotes broken, and every other unsafe character
 * escaped.
 */
export function tripleQuotedBody(text: string): string {
  const quoted = text.replace(/\\/g, '\\\\').replace(/"$/, '\\"').replace(/"""/g, '\\"\\"\\"');
  return escapeUnsafe(quoted, '\n\t');
}

/** Comment lines of at most `width` characters; any text, line breaks included, stays inside them. */
export function commentLines(text: string, width = 88): string[] {
  const words = text.replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let line = '#';
  for (const word of words) {
    if (line !== '#' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

/**
 * Text for one line of a docstring: every character escaped as in a one-line literal,
 * so the docstring reads back as exactly this text and no quote can close it.
 */
export function docstringText(text: string): string {
  return oneLineBody(text);
}
