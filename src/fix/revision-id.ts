/**
 * The fix's revision id and file name, in the chain's own style: `oss000000008` →
 * `oss000000009`, `0042` → `0043`, Alembic's random 12-hex ids → a new random one,
 * dated ids → one for now. Never an id the chain already has.
 *
 * The chain's ids come from the pull request: whatever they hold, the id made here
 * is letters, digits and `_` only (a `-` would read as a relative revision to Alembic's
 * command line, a `/` as a folder), and the file stays in the versions folder.
 */
import { randomBytes } from 'node:crypto';
import { isAbsolute, join, relative } from 'node:path';

/** What a revision id of driftbot's, or one given as `fix.revision`, may hold. */
export const SAFE_REVISION_ID = /^[A-Za-z0-9_]+$/;

const randomHex = () => randomBytes(6).toString('hex');

export function nextRevisionId(existing: string[], head: string, random: () => string = randomHex, now: () => Date = () => new Date()): string {
  const id = inChainStyle(existing, head, random, now);
  // The shapes below only make safe ids; this holds even if one of them is wrong.
  return SAFE_REVISION_ID.test(id) ? id : drawRandom(new Set(existing), randomHex);
}

function inChainStyle(existing: string[], head: string, random: () => string, now: () => Date): string {
  const taken = new Set(existing);
  const dated = parseDated(head);
  if (dated) return nextDated(dated, existing, taken, now());
  const counter = parseCounter(head);
  if (counter && !isHexChain(existing, head)) {
    // After the highest number the chain uses in this shape, so it sorts last.
    let n = existing.map(parseCounter).reduce((max, c) => (c && c.prefix === counter.prefix && c.number > max ? c.number : max), counter.number);
    let id: string;
    do {
      n += 1n;
      id = `${counter.prefix}${n.toString().padStart(counter.width, '0')}`;
    } while (taken.has(id));
    return id;
  }
  return drawRandom(taken, random);
}

function drawRandom(taken: Set<string>, random: () => string): string {
  for (let i = 0; i < 1000; i++) {
    const id = random();
    if (!taken.has(id)) return id;
  }
  throw new Error('could not draw a revision id that the chain does not already have');
}

interface Counter {
  /** Letters before the number, with a separator: `oss`, `v`, `rev_`. */
  prefix: string;
  number: bigint;
  width: number;
}

/** `oss000000008`, `0042`, `0042_add_users` (the description is not part of the next id), `v12`. */
function parseCounter(id: string): Counter | null {
  const match = /^([A-Za-z]*_?)(\d+)(?:_[A-Za-z0-9_]*)?$/.exec(id);
  if (!match) return null;
  return { prefix: match[1]!, number: BigInt(match[2]!), width: match[2]!.length };
}

/** Alembic's default ids: 12 hex digits. One made only of digits is hex when the chain's others are. */
function isHexChain(existing: string[], head: string): boolean {
  const hex = /^[0-9a-f]{12}$/;
  if (!hex.test(head)) return false;
  return /[a-f]/.test(head) || existing.some((id) => hex.test(id) && /[a-f]/.test(id));
}

interface Dated {
  separator: string;
  /** Separator before the time, and the time's length (4: HHMM, 6: HHMMSS), when there is one. */
  time: { separator: string; length: number } | null;
  date: Date;
}

/** `20240131_1205`, `2024_01_31_1205`, `20240131`, `20240131120500`. */
function parseDated(id: string): Dated | null {
  const match = /^(\d{4})(_?)(\d{2})\2(\d{2})(?:(_?)(\d{6}|\d{4}))?$/.exec(id);
  if (!match) return null;
  const [, year, separator, month, day, timeSeparator, time] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(time?.slice(0, 2) ?? 0), Number(time?.slice(2, 4) ?? 0), Number(time?.slice(4, 6) ?? 0)));
  // Not a date (a counter such as 00000042): month or day out of range, or before Alembic existed.
  if (Number(year) < 2000 || date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return null;
  return { separator: separator!, time: time ? { separator: timeSeparator!, length: time.length } : null, date };
}

/** Now, in the head's shape; later than any dated id of the chain; one step on while taken. */
function nextDated(shape: Dated, existing: string[], taken: Set<string>, now: Date): string {
  const step = shape.time === null ? 86_400_000 : shape.time.length === 6 ? 1000 : 60_000;
  const latest = existing.map(parseDated).reduce((max, d) => (d && d.date > max ? d.date : max), shape.date);
  let at = Math.max(now.getTime(), latest.getTime() + step);
  for (;;) {
    const id = formatDated(shape, new Date(at));
    if (!taken.has(id)) return id;
    at += step;
  }
}

function formatDated(shape: Dated, at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const s = shape.separator;
  const date = `${at.getUTCFullYear()}${s}${pad(at.getUTCMonth() + 1)}${s}${pad(at.getUTCDate())}`;
  if (!shape.time) return date;
  const clock = `${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${shape.time.length === 6 ? pad(at.getUTCSeconds()) : ''}`;
  return `${date}${shape.time.separator}${clock}`;
}

/**
 * The file name, after the chain's own files: `oss000000008_add_session_streams.py` →
 * `oss000000009_<slug>.py`; Alembic's default `<id>_<slug>.py`; its date-prefixed
 * template `2024_01_31_1205-<id>_<slug>.py` when the chain uses that.
 */
export function migrationFileName(revision: string, existingFileNames: string[], slug: string, now: () => Date = () => new Date()): string {
  if (!SAFE_REVISION_ID.test(revision)) throw new Error(`revision id ${JSON.stringify(revision)} may only hold letters, digits and "_"`);
  const safeSlug =
    slug
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 60) || 'reconcile';
  const name = `${revision}_${safeSlug}.py`;
  if (!existingFileNames.some((file) => /^\d{4}_\d{2}_\d{2}_\d{4}-/.test(file))) return name;
  const at = now();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getUTCFullYear()}_${pad(at.getUTCMonth() + 1)}_${pad(at.getUTCDate())}_${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}-${name}`;
}

/** The fix's path: its file name in the chain's versions folder, and never outside it. */
export function migrationFilePath(versions: string, fileName: string): string {
  const path = join(versions, fileName);
  const inside = relative(versions, path);
  if (!/^[A-Za-z0-9_-]+\.py$/.test(fileName) || inside !== fileName || isAbsolute(inside) || inside.startsWith('..')) {
    throw new Error(`the fix's file name ${JSON.stringify(fileName)} would leave the versions folder ${versions}`);
  }
  return path;
}
