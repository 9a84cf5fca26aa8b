/** Two real databases built from SQL, read back as Schemas: the fixture of schema and fix tests. */
import { introspect } from '../../src/schema/introspect.js';
import type { Schema } from '../../src/schema/schema.js';
import { scratchDatabase, type ScratchDatabase } from './postgres.js';
import pg from 'pg';

export async function databaseFrom(purpose: string, sql: string): Promise<ScratchDatabase> {
  const database = await scratchDatabase(purpose);
  if (sql.trim()) await database.query(sql);
  return database;
}

export async function schemaOf(database: ScratchDatabase): Promise<Schema> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return await introspect(client);
  } finally {
    await client.end();
  }
}
