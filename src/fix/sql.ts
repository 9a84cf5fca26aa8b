/**
 * SQL text from untrusted names and values. Every identifier and literal in a fix
 * comes from the analysed repository, so quoting is the only thing between a table
 * named `x"; DROP TABLE y; --` and an injection.
 */
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_$]*$/;

/** Reserved words that must be quoted even when lower-case (the common ones). */
const RESERVED = new Set(
  'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral leading limit localtime localtimestamp not null offset on only or order placing primary references returning select session_user some symmetric table then to trailing true union unique user using variadic when where window with'.split(' '),
);

export function ident(name: string): string {
  return PLAIN_IDENTIFIER.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** `name` in public, `schema.name` elsewhere (each part quoted as needed). */
export function qualifiedIdent(schema: string, name: string): string {
  return schema === 'public' ? ident(name) : `${ident(schema)}.${ident(name)}`;
}

export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * A DO block: plpgsql for the guards that make a step idempotent. Its body goes
 * between dollar quotes whose tag never occurs in the body.
 */
export function doBlock(body: string): string {
  let tag = '$$';
  for (let i = 0; body.includes(tag); i++) tag = `$driftbot${i}$`;
  return `DO ${tag}\nBEGIN\n${body.replace(/^/gm, '  ')}\nEND ${tag}`;
}
