/**
 * One spelling for a literal array cast as a whole. Postgres prints `status IN ('a', 'b')`
 * on a varchar column as `ARRAY['a'::character varying, 'b'::character varying]::text[]`
 * (`(ARRAY[…])::text[]` unpretty), and reads that text back as a cast of each element:
 * `ARRAY['a'::character varying::text, …]` (`ARRAY[('a'::character varying)::text, …]`).
 * The two mean the same, and a fix that adds the first gets the second: definitions are
 * compared in the second spelling, which reads back as itself.
 */

const LITERAL = String.raw`'(?:[^']|'')*'`;
const TYPE = String.raw`[a-z][a-z0-9_ ]*(?:\(\d+(?:,\d+)?\))?`;
const ELEMENT = `${LITERAL}::${TYPE}`;
const ELEMENTS = `${ELEMENT}(?:, ${ELEMENT})*`;
const PRETTY = new RegExp(String.raw`ARRAY\[(${ELEMENTS})\]::(${TYPE})\[\]`, 'g');
const UNPRETTY = new RegExp(String.raw`\(ARRAY\[(${ELEMENTS})\]\)::(${TYPE})\[\]`, 'g');
const EACH = new RegExp(ELEMENT, 'g');

/** Each whole-array cast of a literal array, written as a cast of each element. */
export function castEachElement(definition: string): string {
  return definition
    .replace(UNPRETTY, (_all, elements: string, type: string) => `ARRAY[${elements.replace(EACH, (element) => `(${element})::${type}`)}]`)
    .replace(PRETTY, (_all, elements: string, type: string) => `ARRAY[${elements.replace(EACH, (element) => `${element}::${type}`)}]`);
}
