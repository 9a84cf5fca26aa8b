/** `ignore` patterns: `table` or `table.column`, with `*` wildcards. */
export function isIgnored(patterns: string[], table: string | null, column: string | null): boolean {
  if (!table) return false;
  return patterns.some((pattern) => {
    const [tablePattern, columnPattern] = splitPattern(pattern);
    if (!wildcard(tablePattern).test(table)) return false;
    return columnPattern === null || (column !== null && wildcard(columnPattern).test(column));
  });
}

function splitPattern(pattern: string): [string, string | null] {
  const dot = pattern.lastIndexOf('.');
  return dot < 0 ? [pattern, null] : [pattern.slice(0, dot), pattern.slice(dot + 1)];
}

function wildcard(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}
