/**
 * Markdown from untrusted text. Table and column names, file paths, error messages and
 * code lines all come from the pull request: none may mention anyone, inject HTML,
 * break out of a code fence or split a table cell.
 */

/** A code span that no backtick inside can close; newlines folded. Code spans are never linked or rendered as HTML. */
export function inlineCode(text: string): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' ');
  if (flat === '') return '` `';
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat.startsWith(' ') || flat.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Prose: Markdown punctuation and HTML escaped, mentions and issue references defused, newlines folded. */
export function plainText(text: string): string {
  return text
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]()#+\-!|~])/g, '\\$1')
    .replace(/@/g, '@\u200b');
}

/** A fenced block whose fence is longer than any backtick run in the content. */
export function codeBlock(text: string, language = ''): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text.replace(/\n+$/, '')}\n${fence}`;
}

/** A table cell: a pipe would end the cell even inside a code span. */
export function cell(markdown: string): string {
  return markdown.replace(/\|/g, '\\|');
}

/** Only http(s) URLs become links. */
export function link(label: string, url: string | null | undefined): string {
  if (!url || !/^https?:\/\/[^\s<>()]+$/.test(url)) return label;
  return `[${label}](${url})`;
}
