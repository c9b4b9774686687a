// Picks the metadata backend: PostgreSQL when a database URL is configured (--database-url,
// OSPREY_DATABASE_URL), otherwise the embedded SQLite file <data-dir>/osprey.db. The PostgreSQL
// adapter is loaded only when used, so the embedded default never loads the pg driver.
import { join } from 'node:path';
import type { MetadataStores } from './ports.js';
import type { Logger } from '../server/logger.js';
import { openDatabase } from './sqlite/database.js';
import { sqliteStores } from './sqlite/index.js';

export async function openMetadata(config: { dataDir: string; databaseUrl?: string; databasePoolSize?: number }, log?: Logger): Promise<MetadataStores> {
  if (config.databaseUrl) {
    const { postgresStores } = await import('./postgres/index.js');
    return postgresStores(config.databaseUrl, { max: config.databasePoolSize, log });
  }
  return sqliteStores(openDatabase(join(config.dataDir, 'osprey.db')));
}
