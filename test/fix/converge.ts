/**
 * The acceptance check of one kind's fix on real databases: a fresh and an old database
 * that differ only in objects of that kind; the plan's enabled steps run on both, twice;
 * both read back, and planned again.
 */
import type { FixStep } from '../../src/report/report.js';
import { planFix } from '../../src/fix/plan.js';
import { schemaEntries } from '../../src/schema/entries.js';
import type { SchemaEntry } from '../../src/schema/schema.js';
import type { ScratchDatabase } from '../support/postgres.js';
import { databaseFrom, schemaOf } from '../support/schemas.js';

export interface Convergence {
  /** Keys whose definitions differ between fresh and old, before the fix. */
  before: string[];
  steps: FixStep[];
  /** Keys that still differ after the enabled steps ran twice on both. */
  after: string[];
  /** Whether running the steps changed the fresh database at all. */
  freshChanged: boolean;
  /** Whether the second run changed anything the first left. */
  secondRunChanged: boolean;
  /** The plan made again from the databases as the fix left them. */
  replanned: FixStep[];
  /**
   * Whether the probe's rows changed where they should not: on fresh across both runs,
   * on old across the second. A probe of object oids shows a guard that recreates an
   * object whose definition already matches, which entries alone would not.
   */
  probeChanged: boolean;
}

export function differences(a: Map<string, SchemaEntry>, b: Map<string, SchemaEntry>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k)?.definition !== b.get(k)?.definition).sort();
}

export async function converge(purpose: string, freshSql: string, oldSql: string, probe = 'SELECT 1'): Promise<Convergence> {
  const fresh = await databaseFrom(`${purpose}fresh`, freshSql);
  let old: ScratchDatabase | undefined;
  try {
    old = await databaseFrom(`${purpose}old`, oldSql);
    const freshBefore = schemaEntries(await schemaOf(fresh));
    const oldBefore = schemaEntries(await schemaOf(old));
    const steps = planFix(await schemaOf(fresh), [await schemaOf(fresh), await schemaOf(old)]);
    const runs: Map<string, SchemaEntry>[][] = [];
    const probed = async (database: ScratchDatabase) => JSON.stringify((await database.query(probe)).rows);
    const freshProbe = await probed(fresh);
    const oldProbes: string[] = [];
    for (let round = 0; round < 2; round++) {
      for (const step of steps.filter((s) => !s.disabled)) {
        await fresh.query(step.sql);
        await old.query(step.sql);
      }
      runs.push([schemaEntries(await schemaOf(fresh)), schemaEntries(await schemaOf(old))]);
      oldProbes.push(await probed(old));
    }
    const [[freshOnce, oldOnce], [freshTwice, oldTwice]] = runs as [[Map<string, SchemaEntry>, Map<string, SchemaEntry>], [Map<string, SchemaEntry>, Map<string, SchemaEntry>]];
    return {
      before: differences(freshBefore, oldBefore),
      steps,
      after: differences(freshTwice, oldTwice),
      freshChanged: differences(freshBefore, freshTwice).length > 0,
      secondRunChanged: differences(freshOnce, freshTwice).length + differences(oldOnce, oldTwice).length > 0,
      replanned: planFix(await schemaOf(fresh), [await schemaOf(fresh), await schemaOf(old)]),
      probeChanged: (await probed(fresh)) !== freshProbe || oldProbes[0] !== oldProbes[1],
    };
  } finally {
    await fresh.drop();
    await old?.drop();
  }
}
