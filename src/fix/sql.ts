/**
 * SQL text from untrusted names and values. Every identifier and literal in a fix
 * comes from the analysed repository, so quoting is the only thing between a table
 * named `x"; DROP TABLE y; --` and an injection.
 */
/**
 * What Postgres's own quote_identifier leaves bare (and so what `format_type` prints
 * bare, which the type guards compare against): a lower-case letter or `_`, then
 * lower-case letters, digits or `_` (not `$`, though the grammar would take it), and
 * not one of the keywords below.
 */
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Keywords that cannot stand unquoted as a table, column or type name: Postgres's
 * reserved, type/function-name and column-name keywords. Made once from PostgreSQL
 * 17.10 with `SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'`;
 * test/fix/sql.test.ts checks it against the test server's own list.
 */
const KEYWORDS = new Set(
  [
    // reserved
    'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create current_catalog',
    'current_date current_role current_time current_timestamp current_user default deferrable desc distinct do else end except',
    'false fetch for foreign from grant group having in initially intersect into lateral leading limit localtime localtimestamp',
    'not null offset on only or order placing primary references returning select session_user some symmetric system_user table',
    'then to trailing true union unique user using variadic when where window with',
    // type or function names
    'authorization binary collation concurrently cross current_schema freeze full ilike inner is isnull join left like natural',
    'notnull outer overlaps right similar tablesample verbose',
    // column names
    'between bigint bit boolean char character coalesce dec decimal exists extract float greatest grouping inout int integer',
    'interval json json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar json_serialize',
    'json_table json_value least merge_action national nchar none normalize nullif numeric out overlay position precision real',
    'row setof smallint substring time timestamp treat trim values varchar xmlattributes xmlconcat xmlelement xmlexists',
    'xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable',
  ]
    .join(' ')
    .split(' '),
);

/** An identifier, double-quoted only where Postgres needs it (`"Order"`, `"my table"`, `"select"`). */
export function ident(name: string): string {
  return PLAIN_IDENTIFIER.test(name) && !KEYWORDS.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** `name` in public, `schema.name` elsewhere (each part quoted as needed). */
export function qualifiedIdent(schema: string, name: string): string {
  return schema === 'public' ? ident(name) : `${ident(schema)}.${ident(name)}`;
}

/**
 * A string literal. Text with a backslash becomes an escape string (`E'…'`) with every
 * backslash doubled, so it reads the same whatever `standard_conforming_strings` says.
 */
export function literal(text: string): string {
  const quoted = text.replace(/'/g, "''");
  return text.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/**
 * A DO block: plpgsql for the guards that make a step idempotent. Its body goes
 * between dollar quotes whose tag never occurs in the body. The body's lines are
 * indented by their authors and never re-indented here: a line break inside a literal
 * (a view's query, say) is part of its value.
 */
export function doBlock(lines: string[]): string {
  const body = lines.join('\n');
  let tag = '$$';
  for (let i = 0; body.includes(tag); i++) tag = `$driftbot${i}$`;
  return `DO ${tag}\nBEGIN\n${body}\nEND ${tag}`;
}

/**
 * The type of a column as `format_type` prints it on the database the step runs on
 * (NULL when the column does not exist): what type-change guards compare.
 */
export function currentColumnType(table: string, column: string): string {
  return `(SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = ${literal(table)}::regclass AND attname = ${literal(column)} AND NOT attisdropped)`;
}

/** How `format_type` prints a user type: unqualified in public, quoted as needed. */
export function typeName(schema: string, name: string): string {
  return qualifiedIdent(schema, name);
}

/**
 * True where `expression` is none of `definitions`: a definition and its other spelling
 * (schema/array-casts.ts), both of which the object may have been created with.
 */
export function distinctFromEach(expression: string, definitions: string[]): string {
  return [...new Set(definitions)].map((definition) => `${expression} IS DISTINCT FROM ${literal(definition)}`).join(' AND ');
}
