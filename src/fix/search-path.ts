/**
 * A per-tenant chain's fix runs in every tenant's schema, each time with that tenant's
 * `search_path` (the chain's `schema` is only the template driftbot built). So names in
 * the template schema are written unqualified, for each tenant's search_path to resolve
 * (`'project'::regclass`, `ALTER TABLE project …`), and a catalog guard on the
 * template's name asks for the current schema instead.
 */
import type { FixStep } from '../report/report.js';
import { ident, literal } from './sql.js';

export function forSearchPath(steps: FixStep[], schema: string): FixStep[] {
  // The schema as the planners write it, not as the tail of a longer name.
  const qualifier = new RegExp(`(?<![A-Za-z0-9_$"])${escapeRegExp(ident(schema))}\\.`, 'g');
  const guard = new RegExp(`nspname = ${escapeRegExp(literal(schema))}`, 'g');
  return steps.map((step) => ({ ...step, sql: step.sql.replace(guard, 'nspname = pg_catalog.current_schema()').replace(qualifier, '') }));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
