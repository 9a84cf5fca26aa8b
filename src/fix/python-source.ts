/**
 * Python source text for values that come from the analysed repository: string
 * literals that Python reads back exactly, and comments that stay comments.
 */

/** Control characters, and the Unicode line breaks, that must not appear raw in source. */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]/g;

function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A double-quoted one-line literal: backslashes, quotes, line breaks and control characters escaped. */
export function pythonString(text: string): string {
  return `"${escapeUnsafe(text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')).replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/**
 * The body of a triple-quoted literal: backslashes doubled, every run of three quotes
 * broken, and a quote at the very end escaped (it would merge with the closing ones).
 */
export function tripleQuotedBody(text: string): string {
  return escapeUnsafe(text.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"').replace(/"$/, '\\"'));
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

/** Docstring text on one line: whitespace folded, backslashes and quote runs escaped. */
export function docstringText(text: string): string {
  return tripleQuotedBody(text.replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim());
}
