/**
 * Just enough of GitHub's Markdown rules to check a rendered comment's structure
 * without a renderer: fenced code blocks, `<details>` nesting, table rows split the
 * way cmark-gfm splits them (at every pipe not escaped by a backslash, code spans or
 * not), code spans, and what is left as prose once code is taken out.
 */

export interface Structure {
  /** Every fence that opens is closed. */
  fencesBalanced: boolean;
  /** `<details>` and `</details>` (outside code) pair up, never closing more than opened. */
  detailsBalanced: boolean;
  /** Table rows whose cell count differs from their header's. */
  brokenRows: string[];
  /** Lines outside fenced code. */
  outsideFences: string[];
  /** Those lines with code spans removed: where Markdown and HTML would be interpreted. */
  prose: string[];
  /** Contents of the fenced blocks, in order. */
  fencedBlocks: { info: string; content: string }[];
}

const PUNCTUATION = /[!-/:-@[-`{-~]/;

export function inspectMarkdown(markdown: string): Structure {
  const outsideFences: string[] = [];
  const fencedBlocks: Structure['fencedBlocks'] = [];
  let fence: { marker: string; info: string; lines: string[] } | null = null;
  for (const line of markdown.split('\n')) {
    if (fence) {
      const closing = /^ {0,3}(`{3,})\s*$/.exec(line);
      if (closing && closing[1]!.length >= fence.marker.length) {
        fencedBlocks.push({ info: fence.info, content: fence.lines.join('\n') });
        fence = null;
      } else fence.lines.push(line);
      continue;
    }
    const opening = /^ {0,3}(`{3,})([^`]*)$/.exec(line);
    if (opening) fence = { marker: opening[1]!, info: opening[2]!.trim(), lines: [] };
    else outsideFences.push(line);
  }

  let depth = 0;
  let detailsBalanced = true;
  for (const line of outsideFences) {
    for (const tag of line.match(/<\/?details>/g) ?? []) {
      depth += tag === '<details>' ? 1 : -1;
      if (depth < 0) detailsBalanced = false;
    }
  }
  if (depth !== 0) detailsBalanced = false;

  const brokenRows: string[] = [];
  let columns: number | null = null;
  outsideFences.forEach((line, i) => {
    if (!line.startsWith('|')) {
      columns = null;
      return;
    }
    const next = outsideFences[i + 1] ?? '';
    if (columns === null && /^\|(\s*:?-+:?\s*\|)+\s*$/.test(next)) columns = cells(line);
    else if (columns !== null && cells(line) !== columns) brokenRows.push(line);
  });

  return { fencesBalanced: fence === null, detailsBalanced, brokenRows, outsideFences, prose: outsideFences.map(withoutCodeSpans), fencedBlocks };
}

/** Cells of a row with leading and trailing pipes, split as cmark-gfm does. */
export function cells(row: string): number {
  let pipes = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i] === '\\' && PUNCTUATION.test(row[i + 1] ?? '')) i++;
    else if (row[i] === '|') pipes++;
  }
  return pipes - 1;
}

/** A line with its code spans removed (CommonMark: a run of n backticks closes at the next run of exactly n). */
export function withoutCodeSpans(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (line[i] === '\\' && PUNCTUATION.test(line[i + 1] ?? '')) {
      out += line.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (line[i] !== '`') {
      out += line[i];
      i++;
      continue;
    }
    const run = /^`+/.exec(line.slice(i))![0];
    const close = closingRun(line, i + run.length, run.length);
    if (close === -1) {
      out += run;
      i += run.length;
    } else {
      out += '⟨code⟩';
      i = close + run.length;
    }
  }
  return out;
}

/** The content of a code span as GitHub shows it: one space stripped each side when both have one. */
export function codeSpanContent(span: string): string {
  const run = /^`+/.exec(span)![0];
  const close = closingRun(span, run.length, run.length);
  if (close !== span.length - run.length) throw new Error(`not one code span: ${span}`);
  const inner = span.slice(run.length, close);
  return inner.startsWith(' ') && inner.endsWith(' ') && inner.trim() !== '' ? inner.slice(1, -1) : inner;
}

function closingRun(line: string, from: number, length: number): number {
  for (let j = from; j < line.length; ) {
    if (line[j] !== '`') {
      j++;
      continue;
    }
    const run = /^`+/.exec(line.slice(j))![0];
    if (run.length === length) return j;
    j += run.length;
  }
  return -1;
}
