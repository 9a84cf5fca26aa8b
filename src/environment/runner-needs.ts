/**
 * What driftbot's runner needs in the project's environment — SQLAlchemy 2 (its psycopg 3
 * dialect), Alembic, psycopg 3 and greenlet (async engines) — and which of them to add.
 * The project's own versions win; what is missing comes at driftbot's pins
 * (src/alembic/requirements.txt). Pure.
 */

const NEEDS = ['sqlalchemy', 'alembic', 'psycopg', 'greenlet'];

/**
 * The requirements to add (`name==version` from the pins), or a message when the project
 * pins something the runner cannot work with.
 */
export function runnerAdditions(installed: Record<string, string>, pins: string, files: string[]): string[] | string {
  const versions = new Map(Object.entries(installed).map(([name, version]) => [normalize(name), version]));
  const sqlalchemy = versions.get('sqlalchemy');
  if (sqlalchemy && Number.parseInt(sqlalchemy, 10) < 2) {
    return (
      `the project's dependencies (${files.join(', ')}) install SQLAlchemy ${sqlalchemy}, and driftbot's runner needs SQLAlchemy 2.0 or newer ` +
      '(its psycopg 3 dialect): upgrade SQLAlchemy in the project, or install the dependencies yourself and give that Python with --python / DRIFTBOT_PYTHON'
    );
  }
  const pinned = new Map(
    pins
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter(Boolean)
      .map((line) => [normalize(line.replace(/[[=<>~!;\s].*$/, '')), line] as const),
  );
  return NEEDS.filter((name) => !versions.has(name)).map((name) => pinned.get(name) ?? name);
}

/** PEP 503: `SQLAlchemy`, `sqlalchemy` and `SQL_Alchemy` are one project. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
