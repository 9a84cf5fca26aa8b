/** A per-tenant chain's fix, written for each tenant's search_path. */
import { describe, expect, it } from 'vitest';
import { forSearchPath } from '../../src/fix/search-path.js';

const step = (sql: string) => ({ sql, comments: [], disabled: false, entryKey: 'k' });

describe('forSearchPath', () => {
  it('unqualifies the template schema’s names (in DDL and in regclass literals) and guards on the current schema', () => {
    const steps = forSearchPath(
      [
        step("ALTER TABLE tenant_default.project ADD COLUMN IF NOT EXISTS n integer DEFAULT nextval('tenant_default.project_n_seq'::regclass)"),
        step(
          "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'tenant_default' AND t.typname = 's') THEN CREATE TYPE tenant_default.s AS ENUM ('a'); END IF; END $$",
        ),
      ],
      'tenant_default',
    );
    expect(steps.map((s) => s.sql)).toEqual([
      "ALTER TABLE project ADD COLUMN IF NOT EXISTS n integer DEFAULT nextval('project_n_seq'::regclass)",
      "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = pg_catalog.current_schema() AND t.typname = 's') THEN CREATE TYPE s AS ENUM ('a'); END IF; END $$",
    ]);
  });

  it('leaves other schemas alone, a name that merely ends like the schema too, and quotes as the planners do', () => {
    const [plain, quoted] = forSearchPath(
      [step('ALTER TABLE dispatch_core.org ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES my_tenant_default.t(id)'), step('ALTER TABLE "Tenant".t ADD COLUMN c int')],
      'tenant_default',
    );
    expect(plain!.sql).toBe('ALTER TABLE dispatch_core.org ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES my_tenant_default.t(id)');
    expect(forSearchPath([quoted!], 'Tenant')[0]!.sql).toBe('ALTER TABLE t ADD COLUMN c int');
  });
});
