/** Lines up one family of objects between the target and every current database. */
import type { Schema } from '../schema/schema.js';

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

/** Some current database lacks the object, or has it otherwise than `same` accepts. */
export function outOfDate<T>(versions: (T | undefined)[], same: (version: T) => boolean): boolean {
  return versions.includes(undefined) || present(versions).some((v) => !same(v));
}

/**
 * The extra objects on tables the target keeps. Those on a table only old installs have
 * stay with it: the table's own drop is disabled, and it covers them.
 */
export function onKeptTables<T extends { schema: string; table: string }>(target: Schema, extra: Extra<T>[]): Extra<T>[] {
  const kept = new Set(target.tables.map((t) => `${t.schema}.${t.name}`));
  return extra.filter(({ object }) => kept.has(`${object.schema}.${object.table}`));
}
