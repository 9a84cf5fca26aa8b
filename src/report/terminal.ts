/**
 * Text for a terminal. Anything from the repository may hold escape sequences that
 * move the cursor, clear the screen, set the window title or write a hyperlink; they
 * are removed, as are bare control characters (a carriage return can overwrite what
 * was printed before it) and bidirectional overrides.
 */

const ESCAPE_SEQUENCES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][\s\S]*?(?:\x07|\x1b\\|$)|\x1b[ -/]*[0-~]?/g;
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Untrusted text, safe to print; newlines (and tabs) kept only where asked, else folded to spaces. */
export function terminalText(text: string, options: { keepNewlines?: boolean } = {}): string {
  const stripped = text.replace(/\r\n/g, '\n').replace(ESCAPE_SEQUENCES, '').replace(CONTROLS, '');
  return options.keepNewlines ? stripped : stripped.replace(/[\t\n]+/g, ' ');
}

const STYLES = { red: [31, 39], green: [32, 39], yellow: [33, 39], bold: [1, 22], dim: [2, 22] } as const;
export type Style = keyof typeof STYLES;

/**
 * ANSI styling, written out rather than `util.styleText`: newer Node versions make that
 * drop colour when stdout is not a terminal, and here the caller has already decided.
 */
export function styled(style: Style, text: string): string {
  const [open, close] = STYLES[style];
  return `\x1b[${open}m${text}\x1b[${close}m`;
}
