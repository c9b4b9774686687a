// Every metadata store on one PostgreSQL pool (--database-url).
import type { MetadataStores } from '../ports.js';
import type { Logger } from '../../server/logger.js';
import { PgBucketStore } from './buckets.js';
import { PgCopyStore } from './copies.js';
import { openPostgres } from './database.js';
import { PgDatasetStore } from './datasets.js';
import { PgJobStore } from './jobs.js';
import { PgKeyStore } from './keys.js';
import { PgNodeStore } from './nodes.js';
import { PgPolicyStore } from './policies.js';
import { PgProjectStore } from './projects.js';
import { GraphileQueue } from './queue.js';
import { PgTagStore } from './tags.js';
import { PgVersionStore } from './versions.js';

/** Connects, migrates (under an advisory lock) and returns the stores; `max`: pool size of this node. */
export async function postgresStores(url: string, opts: { max?: number; log?: Logger } = {}): Promise<MetadataStores> {
  const pool = await openPostgres(url, opts);
  return {
    backend: 'postgres',
    projects: new PgProjectStore(pool), tags: new PgTagStore(pool), jobs: new PgJobStore(pool), versions: new PgVersionStore(pool),
    keys: new PgKeyStore(pool), datasets: new PgDatasetStore(pool), policies: new PgPolicyStore(pool), copies: new PgCopyStore(pool),
    nodes: new PgNodeStore(pool),
    queue: new GraphileQueue(pool, opts.log),
    buckets: new PgBucketStore(pool),
    close: () => pool.end(),
  };
}
