/**
 * The fix's revision id and file name, in the chain's own style: `oss000000008` →
 * `oss000000009`, `0042` → `0043`, Alembic's random 12-hex ids → a new random one,
 * dated ids → a new one for now. Never an id the chain already has.
 */
import { randomBytes } from 'node:crypto';

export function nextRevisionId(existing: string[], head: string, random: () => string = () => randomBytes(6).toString('hex')): string {
  const taken = new Set(existing);
  const unique = (make: () => string) => {
    for (let i = 0; i < 100; i++) {
      const id = make();
      if (!taken.has(id)) return id;
    }
    throw new Error('could not find a free revision id');
  };
  const dated = /^(\d{4})(_?)(\d{2})(_?)(\d{2})(_?)(\d{4,6})?(.*)$/.exec(head);
  if (dated && Number(dated[1]) >= 1990) {
    const now = new Date();
    const pad = (n: number) => String(n).padStart(2, '0');
    const [, , s1, , s2, , s3, time] = dated;
    const clock = time ? `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${time.length === 6 ? pad(now.getUTCSeconds()) : ''}` : '';
    return unique(() => `${now.getUTCFullYear()}${s1}${pad(now.getUTCMonth() + 1)}${s2}${pad(now.getUTCDate())}${time ? s3 : ''}${clock}`);
  }
  // A counter: the last run of digits, incremented, keeping its width and what surrounds it.
  const counter = /^(.*?)(\d+)([^\d]*)$/.exec(head);
  if (counter && !/^[0-9a-f]{12}$/.test(head)) {
    const [, prefix, digits, suffix] = counter;
    let n = BigInt(digits!);
    return unique(() => {
      n += 1n;
      return `${prefix}${n.toString().padStart(digits!.length, '0')}${suffix === '' || /^_/.test(suffix!) ? '' : suffix}`;
    });
  }
  return unique(random);
}

/** `oss000000008_add_session_streams.py` → `oss000000009_<slug>.py`; Alembic's default `<id>_<slug>.py`. */
export function migrationFileName(revision: string, existingFileNames: string[], slug: string): string {
  const sample = existingFileNames.find((name) => /^\d{4}_\d{2}_\d{2}/.test(name));
  if (sample) {
    // Alembic's date-prefixed template (`2024_01_31_1205-<id>_<slug>.py`).
    const now = new Date();
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}-${revision}_${slug}.py`;
  }
  return `${revision}_${slug}.py`;
}
