/**
 * What an alembic.ini says about where revisions live, read without running Alembic,
 * and matched to folders of the repository. The locations are written for the
 * project's own machine: `%(here)s/…`, relative to where alembic runs, a package
 * resource (`myapp:migrations`), or an absolute path that only exists inside the
 * project's container (`/app/migrations`).
 */
import { posix } from 'node:path';

export interface AlembicIniSettings {
  /** `script_location` of the `[alembic]` section, as written (`%%` unescaped). */
  scriptLocation: string | null;
  /** `version_locations` split the way Alembic splits it; empty when unset. */
  versionLocations: string[];
}

/** The `[alembic]` section's settings, with configparser's rules (`=` or `:`, comments, continuation lines). */
export function alembicIniSettings(text: string): AlembicIniSettings {
  const values = new Map<string, string>();
  let section = '';
  let lastKey: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      lastKey = null;
    } else if (/^\s/.test(raw) && lastKey) {
      values.set(lastKey, `${values.get(lastKey)}\n${line}`);
    } else {
      const setting = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
      lastKey = setting && section === 'alembic' ? setting[1]!.toLowerCase() : null;
      if (lastKey) values.set(lastKey, setting![2]!);
    }
  }
  const unpercent = (value: string | undefined) => value?.replace(/%%/g, '%') ?? null;
  const versionLocations = unpercent(values.get('version_locations'));
  return {
    scriptLocation: unpercent(values.get('script_location'))?.trim() || null,
    versionLocations: versionLocations ? splitLocations(versionLocations, values.get('path_separator') ?? values.get('version_path_separator') ?? null) : [],
  };
}

/** Alembic's rules: the configured separator, else (legacy) commas and spaces. */
function splitLocations(value: string, separator: string | null): string[] {
  const bySeparator: Record<string, RegExp> = { os: /:/, ':': /:/, ';': /;/, space: / +/, newline: /\n/ };
  const pattern = (separator && bySeparator[separator.trim()]) || /, *| +|\n/;
  return value
    .split(pattern)
    .map((part) => part.trim())
    .filter(Boolean);
}

export interface ResolvedFolder {
  /** The folder, relative to the repository root. */
  folder: string;
  /** The ending it was matched by, when the location itself is not a repository path. */
  matchedByEnding: string | null;
}

/**
 * The repository folder a location names. Tried in order: `%(here)s` as the ini's
 * folder; a relative path from the ini's folder, then from the repository root; and
 * last the longest ending of the path that some folder has (preferring folders beside
 * the ini), which is how an absolute container path or a package resource is found.
 */
export function resolveIniFolder(location: string, iniFolder: string, folders: Set<string>): ResolvedFolder | null {
  const here = /^%\(here\)s/.exec(location);
  const packageResource = /^([A-Za-z_][\w.]*):(?!\/)(.*)$/.exec(location);
  const written = packageResource ? `${packageResource[1]!.replace(/\./g, '/')}/${packageResource[2]}` : location;
  const direct = here
    ? [posix.join(iniFolder, location.slice(here[0].length))]
    : posix.isAbsolute(written) || packageResource
      ? []
      : [posix.join(iniFolder, written), posix.normalize(written)];
  for (const candidate of direct) {
    const folder = candidate.replace(/\/+$/, '');
    if (folders.has(folder)) return { folder, matchedByEnding: null };
  }
  return matchByEnding(here ? location.slice(here[0].length) : written, iniFolder, folders);
}

/** The longest ending (two segments at least, when there are two) that names a repository folder. */
function matchByEnding(location: string, iniFolder: string, folders: Set<string>): ResolvedFolder | null {
  const parts = location.split('/').filter((part) => part && part !== '.' && part !== '..');
  const shortest = Math.min(2, parts.length);
  for (let start = 0; parts.length - start >= shortest && parts.length - start > 0; start++) {
    const ending = parts.slice(start).join('/');
    const matches = [...folders].filter((folder) => folder === ending || folder.endsWith(`/${ending}`));
    const beside = matches.filter((folder) => iniFolder === '.' || folder.startsWith(`${iniFolder}/`));
    const [best] = (beside.length ? beside : matches).sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
    if (best) return { folder: best, matchedByEnding: ending };
  }
  return null;
}
