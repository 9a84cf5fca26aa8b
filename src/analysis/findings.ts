/**
 * The three-way comparison at the heart of driftbot (docs/ARCHITECTURE.md): for one database,
 * what a fresh install of head has, what an install upgraded from base has, and what
 * head's models declare. Each object whose definitions disagree becomes one finding.
 * Causes, references and the fix are attached later, by their own stages.
 */
import type { Schema, SchemaEntry } from '../schema/schema.js';
import { schemaEntries } from '../schema/entries.js';
import { createdEntries, DeclarationIndex, declaredEntries } from '../schema/declared.js';
import type { Difference, Finding } from '../report/report.js';
import { isIgnored } from '../config/ignore.js';

export interface DatabaseBuilds {
  fresh: Schema;
  upgraded: Schema;
  /** Null when no model files were found for this database. */
  models: Schema | null;
}

export function compareBuilds(database: string, builds: DatabaseBuilds, ignore: string[], startingPoint: string): Finding[] {
  const fresh = schemaEntries(builds.fresh);
  const upgraded = schemaEntries(builds.upgraded);
  const models = builds.models ? declaredEntries(builds.models) : new Map<string, SchemaEntry>();
  const freshAsModelled = new DeclarationIndex(createdEntries(builds.fresh));
  const upgradedAsModelled = createdEntries(builds.upgraded);
  const freshTables = tableNames(fresh);
  const upgradedTables = tableNames(upgraded);

  const findings: Finding[] = [];
  const finding = (entry: SchemaEntry, difference: Difference): Finding => ({
    database,
    object: entry.kind,
    table: entry.table,
    name: entry.name,
    fresh: fresh.get(entry.key)?.definition ?? null,
    upgraded: upgraded.get(entry.key)?.definition ?? null,
    models: models.get(entry.key)?.definition ?? null,
    cause: null,
    references: [],
    difference,
    breaksCode: breaksCode(entry.key, models, upgradedAsModelled),
    startingPoints: [startingPoint],
  });

  // Installs that disagree: fresh against upgraded, every kind of object.
  for (const key of union(fresh, upgraded)) {
    const onFresh = fresh.get(key);
    const onUpgraded = upgraded.get(key);
    if (onFresh?.definition === onUpgraded?.definition) continue;
    const entry = (onFresh ?? onUpgraded)!;
    // An object inside a table that one side lacks entirely is part of that table's finding.
    if (entry.table !== null && freshTables.has(entry.table) !== upgradedTables.has(entry.table)) continue;
    findings.push(finding(entry, onFresh && onUpgraded ? 'differs-on-upgraded' : onFresh ? 'missing-on-upgraded' : 'only-on-upgraded'));
  }

  // Models that disagree with migrations that agree: a model change with no migration.
  const reported = new Set(findings.map((f) => keyOf(f)));
  for (const [key, declared] of models) {
    if (freshAsModelled.matches(declared)) continue;
    const created = freshAsModelled.entries.get(key);
    if (reported.has(`${declared.kind}:${declared.table}:${declared.name}`)) continue;
    // A whole table missing from the migrations is reported once, as the table.
    if (declared.table !== null && !freshTables.has(declared.table)) continue;
    findings.push(finding(declared, created ? 'differs-from-models' : 'missing-in-migrations'));
  }

  return findings.filter((f) => !isIgnored(ignore, f.table ?? (f.object === 'table' ? f.name : null), f.table ? f.name : null));
}

/**
 * The code breaks where models use a table or column that upgraded databases lack:
 * Postgres rejects every statement that names it. A different type may still read.
 */
function breaksCode(key: string, models: Map<string, SchemaEntry>, upgradedAsModelled: Map<string, SchemaEntry>): boolean {
  const kind = models.get(key)?.kind;
  return (kind === 'table' || kind === 'column') && !upgradedAsModelled.has(key);
}

/** Names of the tables present, as entries name them (qualified outside public). */
function tableNames(entries: Map<string, SchemaEntry>): Set<string> {
  const names = new Set<string>();
  for (const entry of entries.values()) if (entry.kind === 'table') names.add(entry.name);
  return names;
}

function keyOf(finding: Finding): string {
  return `${finding.object}:${finding.table}:${finding.name}`;
}

function union<K>(a: Map<K, unknown>, b: Map<K, unknown>): K[] {
  return [...new Set([...a.keys(), ...b.keys()])];
}
