/** Lines up one family of objects between the target and every current database. */

export interface Wanted<T> {
  key: string;
  target: T;
  /** The object in each current database, in order; undefined where it is missing. */
  versions: (T | undefined)[];
}

export interface Extra<T> {
  key: string;
  /** As the first current database that has it defines it. */
  object: T;
}

export interface Compared<T> {
  /** Every target object, whether or not it differs anywhere. */
  wanted: Wanted<T>[];
  /** Objects some current database has and the target does not. */
  extra: Extra<T>[];
}

export function compareObjects<T>(target: T[], current: T[][], keyOf: (object: T) => string): Compared<T> {
  const maps = current.map((objects) => new Map(objects.map((o) => [keyOf(o), o])));
  const targetKeys = new Set(target.map(keyOf));
  const wanted = target.map((object) => {
    const key = keyOf(object);
    return { key, target: object, versions: maps.map((objects) => objects.get(key)) };
  });
  const extra = new Map<string, T>();
  for (const objects of maps) {
    for (const [key, object] of objects) if (!targetKeys.has(key) && !extra.has(key)) extra.set(key, object);
  }
  return { wanted, extra: [...extra].map(([key, object]) => ({ key, object })) };
}

/** The versions that exist. */
export function present<T>(versions: (T | undefined)[]): T[] {
  return versions.filter((v): v is T => v !== undefined);
}
