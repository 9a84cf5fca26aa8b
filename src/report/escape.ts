/**
 * Markdown from untrusted text. Table and column names, file paths, error messages,
 * code lines, revision ids and definitions all come from the pull request: none may
 * mention anyone, link an issue, inject HTML, break out of a code fence or split a
 * table cell. Every helper returns Markdown that is safe wherever an inline (or, for
 * `codeBlock`, a block) may stand.
 */

/**
 * Control characters (tab and newline aside) and bidirectional overrides: they can
 * hide or reorder what a reviewer reads ("Trojan Source"), so they are shown as �.
 */
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const ZERO_WIDTH_SPACE = '\u200b';

function visible(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(INVISIBLE, '\ufffd');
}

function foldNewlines(text: string): string {
  return text.replace(/[ \t]*\n[ \t\n]*/g, ' ');
}

/**
 * GitHub links `@user`, `@org/team`, `#123`, `GH-123`, URLs and e-mail addresses it
 * finds in rendered text, whatever Markdown escaping preceded them. A zero-width space
 * after the trigger breaks every one of those patterns and stays invisible.
 */
function defuseReferences(text: string): string {
  return text
    .replace(/@/g, `@${ZERO_WIDTH_SPACE}`)
    .replace(/#(?=\d)/g, `#${ZERO_WIDTH_SPACE}`)
    .replace(/\b(GH)(?=-\d)/gi, `$1${ZERO_WIDTH_SPACE}`)
    .replace(/:\/\//g, `:${ZERO_WIDTH_SPACE}//`)
    .replace(/\b(www)(?=\.)/gi, `$1${ZERO_WIDTH_SPACE}`);
}

/**
 * A code span that no backtick inside can close; newlines folded to spaces. Nothing in
 * a code span is rendered as Markdown or HTML, and GitHub links no mention in one.
 */
export function inlineCode(text: string): string {
  const flat = foldNewlines(visible(text));
  if (flat.trim() === '') return '*(empty)*';
  const fence = '`'.repeat(longestRun(flat, '`') + 1);
  // A span that starts or ends with a backtick needs a space between it and the fence;
  // CommonMark strips exactly one space on each side, so padding is invisible.
  const pad = /^[` ]|[` ]$/.test(flat) ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Characters written as HTML entities: markup, and the pipe, which GitHub's table parser would see before any escape. */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '|': '&#124;' };

/** Prose: Markdown punctuation escaped, HTML written as entities, mentions and references defused, newlines folded. */
export function plainText(text: string): string {
  // References first: the entities written afterwards contain `#` and digits.
  return defuseReferences(foldNewlines(visible(text))).replace(/[\\`*_{}[\]()#+\-!~<>&|]/g, (c) => ENTITIES[c] ?? `\\${c}`);
}

/** Text inside raw HTML (a `<summary>`), where Markdown is not parsed but mentions still are. */
export function htmlText(text: string): string {
  return defuseReferences(foldNewlines(visible(text))).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A fenced block whose fence is longer than any backtick run in the content, so the content can never close it. */
export function codeBlock(text: string, language = ''): string {
  const content = visible(text).replace(/\n+$/, '');
  const fence = '`'.repeat(Math.max(3, longestRun(content, '`') + 1));
  return `${fence}${language}\n${content}\n${fence}`;
}

/**
 * A table cell. GitHub splits rows at every pipe not escaped by a backslash, even
 * inside code spans, before parsing anything else; and a backslash escapes the next
 * backslash, so `\\|` still splits. Every pipe gets an odd number of backslashes.
 */
export function cell(markdown: string): string {
  return markdown.replace(/(\\*)\|/g, (_, slashes: string) => `${slashes}${slashes.length % 2 === 0 ? '\\' : ''}|`);
}

/**
 * An http(s) URL fit for a Markdown link destination, or null. Parentheses, pipes,
 * backslashes and whitespace are percent-encoded: they would end the link or the
 * table cell it stands in.
 */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  return parsed.href.replace(/[()|\\\s<>`"']/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** A link around Markdown that is already safe (code spans, `plainText`), or the label alone when the URL is not a safe one. */
export function link(label: string, url: string | null | undefined): string {
  const safe = safeUrl(url);
  return safe ? `[${label}](${safe})` : label;
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}
