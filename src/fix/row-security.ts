/**
 * Steps for a table's row security: enabled or forced where fresh installs have it
 * (ALTER TABLE … ENABLE is a no-op where it already is). Turning it off where only old
 * installs have it would show every row to every role with access to the table: that
 * step is written disabled.
 */
import type { RowSecurity, Schema } from '../schema/schema.js';
import { rowSecurityKey } from '../schema/kinds/row-security.js';
import { compareObjects, onKeptTables, outOfDate, present } from './compare.js';
import { qualifiedIdent } from './sql.js';
import { disabledStep, onTable, step, type PlannedStep } from './step.js';

export function rowSecuritySteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(
    target.rowSecurity,
    current.map((s) => s.rowSecurity),
    rowSecurityKey,
  );
  for (const { key, target: wantedState, versions } of wanted) {
    if (!outOfDate(versions, (v) => v.enabled === wantedState.enabled && v.forced === wantedState.forced)) continue;
    const table = { schema: wantedState.schema, name: wantedState.table };
    steps.push(
      ...onTable(table, [
        settings(
          key,
          wantedState,
          present(versions).some((v) => v.enabled && !wantedState.enabled),
        ),
      ]),
    );
  }
  for (const { key, object } of onKeptTables(target, extra)) {
    steps.push(...onTable({ schema: object.schema, name: object.table }, [settings(key, { ...object, enabled: false, forced: false }, object.enabled)]));
  }
  return steps;
}

/** The table's row security as fresh installs have it; held back where that turns it off somewhere. */
function settings(key: string, state: RowSecurity, loosens: boolean): PlannedStep {
  const sql = `ALTER TABLE ${qualifiedIdent(state.schema, state.table)} ${state.enabled ? 'ENABLE' : 'DISABLE'} ROW LEVEL SECURITY, ${state.forced ? 'FORCE' : 'NO FORCE'} ROW LEVEL SECURITY`;
  if (!loosens) return step('rowSecurity', key, sql);
  return disabledStep(
    'rowSecurity',
    key,
    sql,
    `Row security on ${state.table} is off on fresh installs and on on some others: turning it off lets every role with access to ${state.table} see the rows its policies hide. Check that fresh installs are right, then enable.`,
  );
}
