/** Literal arrays cast as a whole, spelled as Postgres reads them back. */
import { describe, expect, it } from 'vitest';
import { castEachElement } from '../../src/schema/array-casts.js';

describe('castEachElement', () => {
  it('rewrites pg_get_constraintdef’s pretty spelling as Postgres prints it once re-read', () => {
    expect(castEachElement("CHECK (status::text = ANY (ARRAY['pending'::character varying, 'it''s, done'::character varying]::text[]))")).toBe(
      "CHECK (status::text = ANY (ARRAY['pending'::character varying::text, 'it''s, done'::character varying::text]))",
    );
  });

  it('rewrites pg_get_indexdef’s unpretty spelling likewise', () => {
    expect(castEachElement("CREATE INDEX ix ON public.t USING btree (c) WHERE ((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))")).toBe(
      "CREATE INDEX ix ON public.t USING btree (c) WHERE ((status)::text = ANY (ARRAY[('a'::character varying)::text, ('b'::character varying)::text]))",
    );
  });

  it('leaves the re-read spelling, and arrays that are not cast as a whole, as they are', () => {
    for (const same of [
      "CHECK (status::text = ANY (ARRAY['a'::character varying::text, 'b'::character varying::text]))",
      "WHERE ((status)::text = ANY (ARRAY[('a'::character varying)::text, ('b'::character varying)::text]))",
      "CHECK (status = ANY (ARRAY['a'::text, 'b'::text]))",
      'CHECK (n = ANY (ARRAY[1, 2]))',
      'CHECK (tags <@ ARRAY[lower(name)]::text[])',
    ]) {
      expect(castEachElement(same)).toBe(same);
    }
  });
});
