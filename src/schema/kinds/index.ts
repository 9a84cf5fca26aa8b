/**
 * The registry: every kind of schema object driftbot reads, compares, dumps and fixes.
 * The order is the order of entries (and so of findings) and of the dump: what others
 * depend on first. Adding a kind: docs/ARCHITECTURE.md › Add an object kind.
 */
import type { Schema } from '../schema.js';
import { comments } from './comments.js';
import { constraints } from './constraints.js';
import { enums } from './enums.js';
import { extensions } from './extensions.js';
import { functions } from './functions.js';
import { indexes } from './indexes.js';
import type { Family, ObjectKind } from './kind.js';
import { policies } from './policies.js';
import { rowSecurity } from './row-security.js';
import { schemas } from './schemas.js';
import { sequences } from './sequences.js';
import { tables } from './tables.js';
import { triggers } from './triggers.js';
import { views } from './views.js';

export const KINDS = [schemas, extensions, enums, sequences, tables, constraints, indexes, views, functions, triggers, rowSecurity, policies, comments] as const;

/** A Schema family no kind reads fails to compile here, naming the family. */
type Unread = Exclude<Family, (typeof KINDS)[number]['family']>;
const everyFamilyRead: [Unread] extends [never] ? true : Unread = true;
void everyFamilyRead;

/** Every kind, typed for loops that treat them alike. */
export const ALL_KINDS: readonly ObjectKind<Family>[] = KINDS;

/** A Schema with nothing in it. */
export function emptySchema(): Schema {
  return Object.fromEntries(KINDS.map((kind) => [kind.family, []])) as unknown as Schema;
}
