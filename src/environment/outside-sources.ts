/**
 * Which of a pyproject.toml's groups and extras cannot be installed from the checkout:
 * those that need a package `[tool.uv.sources]` takes from a path outside the repository
 * or to one the commit does not have (Netflix Dispatch's `netflix` extra and group: its
 * maintainers' internal plugins, kept beside the repository, later cloned into it). Such a group is an option the project's own code does without,
 * so it is left out and said; the same package in the project's own dependencies is
 * refused by the caller. Never asked of the index by its name either: an internal name
 * on a public index is someone else's package. Pure.
 */

export interface LeftOut {
  groups: string[];
  extras: string[];
  /** One sentence, for the report's warnings; null when nothing is left out. */
  note: string | null;
}

/** A dependency-groups entry: a requirement, or `{ include-group = "other" }`. */
type GroupEntry = string | { 'include-group'?: unknown };

/**
 * `outside` maps each normalized package name to its source's path and why it cannot be had. Groups that
 * include a left-out group are left out too.
 */
export function leftOutForSources(outside: Map<string, string>, extras: Record<string, unknown>, groups: Record<string, unknown>, pyprojectPath: string): LeftOut {
  const needs = (entries: unknown): string[] =>
    (Array.isArray(entries) ? entries : []).flatMap((entry: GroupEntry) => (typeof entry === 'string' && outside.has(requirementName(entry)) ? [requirementName(entry)] : []));
  const needed = new Set<string>();
  const leftExtras = Object.keys(extras).filter((extra) => {
    const names = needs(extras[extra]);
    for (const name of names) needed.add(name);
    return names.length > 0;
  });
  const leftGroups = new Set(
    Object.keys(groups).filter((group) => {
      const names = needs(groups[group]);
      for (const name of names) needed.add(name);
      return names.length > 0;
    }),
  );
  // A group that includes a left-out one needs what it needs.
  for (let grew = true; grew; ) {
    grew = false;
    for (const [group, entries] of Object.entries(groups)) {
      if (leftGroups.has(group) || !Array.isArray(entries)) continue;
      if (entries.some((entry: GroupEntry) => typeof entry === 'object' && entry !== null && leftGroups.has(String(entry['include-group'])))) {
        leftGroups.add(group);
        grew = true;
      }
    }
  }
  const groupList = Object.keys(groups).filter((group) => leftGroups.has(group));
  if (leftExtras.length + groupList.length === 0) return { groups: [], extras: [], note: null };
  const parts = [
    ...(leftExtras.length ? [`${leftExtras.length > 1 ? 'extras' : 'extra'} ${leftExtras.join(', ')}`] : []),
    ...(groupList.length ? [`${groupList.length > 1 ? 'dependency groups' : 'dependency group'} ${groupList.join(', ')}`] : []),
  ];
  const sources = [...needed].sort().map((name) => `${name}, which [tool.uv.sources] takes from ${outside.get(name)}`);
  return {
    groups: groupList,
    extras: leftExtras,
    note: `${pyprojectPath}: ${parts.join(' and ')} left out: ${leftExtras.length + groupList.length > 1 ? 'they need' : 'it needs'} ${sources.join('; ')}`,
  };
}

/** The project name a PEP 508 requirement names, normalized (PEP 503). */
export function requirementName(requirement: string): string {
  return normalizeName(requirement.trim().replace(/[\s[(<>=!~;@].*$/s, ''));
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
