/** Steps for schemas (namespaces) and extensions. */
import type { Extension, Schema } from '../schema/schema.js';
import { extensionKey } from '../schema/kinds/extensions.js';
import { schemaKey } from '../schema/kinds/schemas.js';
import { compareObjects, present } from './compare.js';
import { doBlock, ident, literal } from './sql.js';
import { disabledStep, step, type PlannedStep } from './step.js';

export function namespaceSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const { wanted, extra } = compareObjects(
    target.schemas,
    current.map((s) => s.schemas),
    schemaKey,
  );
  const steps = wanted.filter(({ versions }) => versions.includes(undefined)).map(({ key, target: name }) => step('schema', key, `CREATE SCHEMA IF NOT EXISTS ${ident(name)}`));
  for (const { key, object: name } of extra) {
    steps.push(
      disabledStep(
        'removal',
        key,
        `DROP SCHEMA IF EXISTS ${ident(name)}`,
        `Schema ${name} exists only on upgraded databases; drop it once nothing in it is needed (DROP SCHEMA fails while it holds objects).`,
      ),
    );
  }
  return steps;
}

export function extensionSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(
    target.extensions,
    current.map((s) => s.extensions),
    extensionKey,
  );
  for (const { key, target: extension, versions } of wanted) {
    if (versions.includes(undefined)) {
      steps.push(step('extension', key, `CREATE EXTENSION IF NOT EXISTS ${ident(extension.name)} WITH SCHEMA ${ident(extension.schema)}`));
    }
    if (present(versions).some((v) => v.schema !== extension.schema)) steps.push(moveExtension(extension, key));
  }
  for (const { key, object: extension } of extra) {
    steps.push(
      disabledStep(
        'removal',
        key,
        `DROP EXTENSION IF EXISTS ${ident(extension.name)}`,
        `Extension ${extension.name} exists only on upgraded databases; dropping it drops its types and functions with any column that uses them: check nothing does first.`,
      ),
    );
  }
  return steps;
}

function moveExtension(extension: Extension, key: string): PlannedStep {
  return step(
    'extension',
    key,
    doBlock([
      `  IF (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = ${literal(extension.name)}) <> ${literal(extension.schema)} THEN`,
      `    ALTER EXTENSION ${ident(extension.name)} SET SCHEMA ${ident(extension.schema)};`,
      `  END IF;`,
    ]),
    [`Extension ${extension.name} lives in ${extension.schema} on fresh installs: moved there where it is elsewhere.`],
  );
}
