// PostgreSQL for tests. .ci/run starts a throwaway cluster and exports OSPREY_TEST_DATABASE_URL
// (scripts/pg-cluster.sh does the same by hand). Each caller gets a fresh database of its own, dropped
// afterwards, so test files never share state. Without the variable the PostgreSQL cases are skipped
// locally, but under CI=true they fail: CI installs PostgreSQL, so a missing one is a broken set-up.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { missingTools } from './tools.js';

export const PG_URL = process.env.OSPREY_TEST_DATABASE_URL;

/** `skip` option for node:test: a reason locally; under CI=true a missing cluster fails the test file (test/helpers/tools.ts). */
export const skipWithoutPostgres: string | false = missingTools({
  name: 'a PostgreSQL test cluster (OSPREY_TEST_DATABASE_URL)', present: !!PG_URL, install: 'scripts/pg-cluster.sh',
});

export interface TestDatabase { url: string; drop(): Promise<void> }

/** Creates an empty database on the test cluster; drop() removes it (ending any connection to it). */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!PG_URL) throw new Error('OSPREY_TEST_DATABASE_URL is not set, but CI=true requires the PostgreSQL tests to run');
  const name = `osprey_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try { await admin.query(`CREATE DATABASE ${name}`); } finally { await admin.end(); }
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try { await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } finally { await c.end(); }
    },
  };
}
