/**
 * Dotenv files as teams keep their settings (`server/.env.testing`): `KEY=value` lines,
 * `export ` allowed, `#` comments, single quotes taken literally, double quotes with
 * `\n`-style escapes. Names driftbot sets itself are left out (the schema says which).
 */
const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

export function parseDotenv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*(#|$)/.test(line)) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    values[match[1]!] = unquote(match[2]!);
  }
  return values;
}

function unquote(raw: string): string {
  if (raw.startsWith("'")) return raw.slice(1, raw.indexOf("'", 1) === -1 ? undefined : raw.indexOf("'", 1));
  if (raw.startsWith('"')) {
    const end = closingQuote(raw);
    return raw.slice(1, end).replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c as 'n'] ?? c);
  }
  // An unquoted value ends at a comment.
  return raw.replace(/\s+#.*$/, '');
}

function closingQuote(raw: string): number {
  for (let i = 1; i < raw.length; i++) {
    if (raw[i] === '\\') i++;
    else if (raw[i] === '"') return i;
  }
  return raw.length;
}
