// Ordered PostgreSQL schema migrations (database.ts applies them under an advisory lock); never
// edit an applied one, append a new one. The schema mirrors sqlite/migrations.ts: timestamps are
// epoch milliseconds (BIGINT), nested AWS structures JSON text, dataset entry labels JSONB.
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE projects (
    arn TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    status TEXT NOT NULL,
    feature TEXT NOT NULL,
    auto_update TEXT
  );
  CREATE UNIQUE INDEX projects_name ON projects (account_id, region, name);
  CREATE INDEX projects_created ON projects (account_id, region, created_ms DESC, name);

  CREATE TABLE tags (
    resource_arn TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (resource_arn, key)
  );

  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until_ms BIGINT,
    created_ms BIGINT NOT NULL,
    error TEXT
  );
  CREATE INDEX jobs_state ON jobs (state, kind, created_ms);

  CREATE TABLE datasets (
    arn TEXT PRIMARY KEY,
    project_arn TEXT NOT NULL REFERENCES projects (arn),
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    status_message TEXT,
    status_message_code TEXT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
  );
  CREATE UNIQUE INDEX datasets_type ON datasets (project_arn, type);

  CREATE TABLE dataset_entries (
    dataset_arn TEXT NOT NULL REFERENCES datasets (arn) ON DELETE CASCADE,
    source_ref TEXT NOT NULL,
    seq BIGINT NOT NULL,
    line TEXT NOT NULL,
    labeled BOOLEAN NOT NULL,
    has_errors BOOLEAN NOT NULL,
    labels JSONB NOT NULL,
    PRIMARY KEY (dataset_arn, source_ref)
  );
  CREATE INDEX dataset_entries_seq ON dataset_entries (dataset_arn, seq);

  CREATE TABLE versions (
    arn TEXT PRIMARY KEY,
    project_arn TEXT NOT NULL REFERENCES projects (arn),
    name TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    status TEXT NOT NULL,
    status_message TEXT,
    model_sha256 TEXT,
    detail TEXT NOT NULL
  );
  CREATE UNIQUE INDEX versions_name ON versions (project_arn, name);
  CREATE INDEX versions_created ON versions (project_arn, created_ms DESC);
  CREATE INDEX versions_model ON versions (model_sha256);
  CREATE INDEX versions_status ON versions (status);

  CREATE TABLE project_policies (
    project_arn TEXT NOT NULL REFERENCES projects (arn),
    name TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    document TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (project_arn, name)
  );

  CREATE TABLE kms_keys (
    key_id TEXT PRIMARY KEY,
    arn TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    description TEXT NOT NULL,
    managed BOOLEAN NOT NULL,
    enabled BOOLEAN NOT NULL,
    sealed_material BYTEA NOT NULL,
    policy TEXT,
    created_ms BIGINT NOT NULL
  );
  CREATE TABLE kms_aliases (
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    alias_name TEXT NOT NULL,
    key_id TEXT NOT NULL REFERENCES kms_keys (key_id),
    PRIMARY KEY (account_id, region, alias_name)
  );
  `,
  // Nodes sharing the database and where hosted versions' inference units run (docs/scale-out.md).
  `
  CREATE TABLE nodes (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    started_ms BIGINT NOT NULL,
    heartbeat_ms BIGINT NOT NULL
  );
  CREATE TABLE placements (
    version_arn TEXT NOT NULL,
    unit INTEGER NOT NULL,
    node_id TEXT NOT NULL,
    placed_ms BIGINT NOT NULL,
    ready BOOLEAN NOT NULL DEFAULT false,
    error TEXT,
    PRIMARY KEY (version_arn, unit)
  );
  CREATE INDEX placements_node ON placements (node_id);
  `,
  // S3 bucket records (owner, region, policy) shared by every node (objects on S3, docs/scale-out.md).
  `
  CREATE TABLE s3_buckets (
    name TEXT COLLATE "C" PRIMARY KEY,
    owner_account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    policy TEXT
  );
  CREATE INDEX s3_buckets_owner ON s3_buckets (owner_account_id, name);
  `,
];
