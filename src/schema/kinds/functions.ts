/** Functions and procedures written in SQL or a procedural language; aggregates and C code are not DDL we can diff. */
import type { FunctionDef } from '../schema.js';
import { fold, qualified } from '../definitions.js';
import { notFromExtension, userNamespace } from './catalog-sql.js';
import { asRow, type ObjectKind } from './kind.js';

/** Overloads share a name: the identity arguments tell them apart. */
export function functionKey(fn: FunctionDef): string {
  return `function:${fn.schema}.${fn.name}(${fn.identityArguments})`;
}

export const functions: ObjectKind<'functions'> = {
  family: 'functions',
  query: `
  SELECT n.nspname AS schema, p.proname AS name, pg_catalog.pg_get_function_identity_arguments(p.oid) AS "identityArguments",
         pg_catalog.pg_get_functiondef(p.oid) AS statement
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
  WHERE p.prokind IN ('f', 'p') AND l.lanname NOT IN ('c', 'internal')
    AND ${userNamespace('n')} AND ${notFromExtension('pg_proc', 'p.oid')}`,
  read: asRow,
  sortKey: (f) => [f.schema, f.name, f.identityArguments],
  key: functionKey,
  entries: (f) => [
    {
      key: functionKey(f),
      kind: 'function',
      table: null,
      name: qualified(f.schema, `${f.name}(${f.identityArguments})`),
      definition: fold(f.statement),
      // `FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $function$ … $function$`: the body is part of the line, so a changed body shows.
      dump: fold(f.statement).replace(/^CREATE OR REPLACE /, ''),
    },
  ],
};
