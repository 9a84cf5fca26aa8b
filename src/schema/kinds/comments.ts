/** `COMMENT ON TABLE` and `COMMENT ON COLUMN`, from pg_description. */
import type { Comment } from '../schema.js';
import { dumpName, qualified } from '../definitions.js';
import { catalog, userTable } from './catalog-sql.js';
import { asRow, type ObjectKind } from './kind.js';

export function commentKey(comment: Comment): string {
  return comment.column === null ? `comment:${comment.schema}.${comment.table}` : `comment:${comment.schema}.${comment.table}.${comment.column}`;
}

/** The text as a JSON string: one line whatever it holds, quotes and line breaks visible. */
export function commentDefinition(comment: Comment): string {
  return JSON.stringify(comment.text);
}

export const comments: ObjectKind<'comments'> = {
  family: 'comments',
  query: `
  SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, d.description AS text
  FROM pg_description d JOIN pg_class c ON c.oid = d.objoid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attribute a ON d.objsubid > 0 AND a.attrelid = c.oid AND a.attnum = d.objsubid
  WHERE d.classoid = ${catalog('pg_class')} AND (d.objsubid = 0 OR NOT a.attisdropped) AND ${userTable('c', 'n')}`,
  read: asRow,
  sortKey: (c) => [c.schema, c.table, c.column ?? ''],
  key: commentKey,
  entries: (c) => {
    const table = qualified(c.schema, c.table);
    const on = c.column === null ? '' : `ON ${dumpName(c.column)} `;
    return [{ key: commentKey(c), kind: 'comment', table, name: c.column ?? table, definition: commentDefinition(c), dump: `  COMMENT ${on}${commentDefinition(c)}` }];
  },
};
