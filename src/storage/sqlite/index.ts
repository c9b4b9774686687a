// Every metadata store on one SQLite database (the embedded default).
import type { MetadataStores } from '../ports.js';
import { SqliteCopyStore } from './copies.js';
import type { Db } from './database.js';
import { SqliteDatasetStore } from './datasets.js';
import { SqliteJobStore } from './jobs.js';
import { SqliteKeyStore } from './keys.js';
import { SqliteNodeStore } from './nodes.js';
import { SqlitePolicyStore } from './policies.js';
import { SqliteProjectStore } from './projects.js';
import { SqliteTagStore } from './tags.js';
import { SqliteVersionStore } from './versions.js';

export function sqliteStores(db: Db): MetadataStores {
  return {
    backend: 'sqlite',
    projects: new SqliteProjectStore(db), tags: new SqliteTagStore(db), jobs: new SqliteJobStore(db), versions: new SqliteVersionStore(db),
    keys: new SqliteKeyStore(db), datasets: new SqliteDatasetStore(db), policies: new SqlitePolicyStore(db), copies: new SqliteCopyStore(db),
    nodes: new SqliteNodeStore(db),
    async close() { db.close(); },
  };
}
