/**
 * `requires-python` and `python.version` as PEP 440 specifiers ("==3.12.*", ">=3.10,<3.13",
 * "~=3.11", "3.12"), matched against interpreters' release versions. Pure. Only the parts
 * a Python version needs: no pre-releases, local versions or epochs.
 */

export type Version = [number, number, number];

interface Clause {
  operator: '==' | '!=' | '>=' | '<=' | '>' | '<' | '~=' | '===';
  release: number[];
  wildcard: boolean;
}

/** The clauses of a specifier, or a message saying what is wrong with it. */
export function parseSpecifier(text: string): Clause[] | string {
  const clauses: Clause[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    const match = /^(===|==|!=|>=|<=|~=|>|<)?\s*v?(\d+(?:\.\d+)*)(\.\*)?$/.exec(part);
    if (!match) return `"${part}" is not a version specifier such as "3.12", ">=3.11,<3.13" or "==3.12.*"`;
    const [, operator, release, wildcard] = match;
    // A bare "3.12" (python.version) means that minor version, whatever its patch level.
    const bare = operator === undefined;
    clauses.push({
      operator: (operator ?? '==') as Clause['operator'],
      release: release!.split('.').map(Number),
      wildcard: wildcard !== undefined || (bare && release!.split('.').length < 3),
    });
  }
  if (clauses.length === 0) return 'the specifier is empty';
  return clauses;
}

export function satisfies(version: Version, clauses: Clause[]): boolean {
  return clauses.every((clause) => matches(version, clause));
}

function matches(version: Version, { operator, release, wildcard }: Clause): boolean {
  const cmp = compare(version, release);
  const prefix = () => release.every((part, i) => (version[i] ?? 0) === part);
  switch (operator) {
    case '==':
    case '===':
      return wildcard ? prefix() : cmp === 0;
    case '!=':
      return wildcard ? !prefix() : cmp !== 0;
    case '>=':
      return cmp >= 0;
    case '<=':
      return cmp <= 0;
    case '>':
      return cmp > 0;
    case '<':
      return cmp < 0;
    case '~=': {
      // ~=3.11 is >=3.11,==3.*; ~=3.11.2 is >=3.11.2,==3.11.*
      const head = release.slice(0, -1);
      return cmp >= 0 && head.every((part, i) => (version[i] ?? 0) === part);
    }
  }
}

/** Release segments compared one by one, missing ones as zero. */
function compare(version: number[], release: number[]): number {
  for (let i = 0; i < Math.max(version.length, release.length); i++) {
    const a = version[i] ?? 0;
    const b = release[i] ?? 0;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

export function parseVersion(text: string): Version | null {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

export function versionText(version: Version): string {
  return version.join('.');
}
