/**
 * The sticky comment's hidden first line, which finds the comment again and carries
 * what the run that wrote it found, as data:
 *
 *   <!-- driftbot:sticky {"v":1,"status":"drift","head":"<sha>","findings":3} -->
 *
 * Anyone who can edit the comment can edit this line, so it is read defensively and
 * used for wording only ("the drift reported earlier is resolved"), never to decide
 * what runs or what is committed.
 */

/** Every sticky comment starts with this, with data (now) or without (older versions). */
const PREFIX = '<!-- driftbot:sticky ';
const VERSION = 1;
export const VERDICTS = ['clean', 'drift', 'error', 'static'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** What one run found, as remembered in its comment for the next run's wording. */
export interface RunState {
  status: Verdict;
  /** The head commit analysed; null when it was not a plain commit id. */
  head: string | null;
  findings: number;
}

/** The previous comment's state, or 'unknown' when it carries none that can be read. */
export type PreviousState = RunState | 'unknown';

const SHA = /^[0-9a-f]{7,64}$/;

export function isStickyComment(body: string): boolean {
  return body.startsWith(PREFIX);
}

export function writeMarker(state: RunState): string {
  // Only values of known shape go in: nothing here can close the HTML comment early.
  const data = { v: VERSION, status: state.status, head: state.head && SHA.test(state.head) ? state.head : null, findings: Math.max(0, Math.trunc(state.findings)) };
  return `${PREFIX}${JSON.stringify(data)} -->`;
}

/** The state in a sticky comment's first line; 'unknown' for an old, edited or foreign one. */
export function readMarker(body: string): PreviousState {
  const line = body.split('\n', 1)[0] ?? '';
  if (!line.startsWith(PREFIX) || !line.endsWith(' -->')) return 'unknown';
  let data: unknown;
  try {
    data = JSON.parse(line.slice(PREFIX.length, -' -->'.length));
  } catch {
    return 'unknown';
  }
  if (typeof data !== 'object' || data === null) return 'unknown';
  const { v, status, head, findings } = data as Record<string, unknown>;
  if (v !== VERSION || !VERDICTS.includes(status as Verdict)) return 'unknown';
  if (!(typeof findings === 'number' && Number.isInteger(findings) && findings >= 0)) return 'unknown';
  return { status: status as Verdict, head: typeof head === 'string' && SHA.test(head) ? head : null, findings };
}
