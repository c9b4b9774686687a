// Composition root: config → storage → services → handlers → pipeline → listen.
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { nodeIdentity, type ServerConfig } from './config.js';
import { openMetadata } from './storage/metadata.js';
import { openObjectStorage } from './storage/objects.js';
import type { MetadataStores } from './storage/ports.js';
import { S3Service } from './domain/s3/service.js';
import { objectMetaFor } from './domain/s3/content-type.js';
import { bucketHandlers } from './handlers/s3/buckets.js';
import { objectHandlers } from './handlers/s3/objects.js';
import { multipartHandlers } from './handlers/s3/multipart.js';
import { systemClock, type Clock } from './domain/shared/clock.js';
import { randomIds, type Ids } from './domain/shared/ids.js';
import { Paginator } from './domain/shared/pagination.js';
import { ProjectService } from './domain/projects/service.js';
import { TagService } from './domain/tags/service.js';
import { VersionService } from './domain/versions/service.js';
import { KeyService } from './domain/keys/service.js';
import { KmsModelVault } from './domain/keys/vault.js';
import { SealedObjects } from './domain/keys/sealed-objects.js';
import { kmsMasterKey, loadServerSecret, subkey } from './domain/keys/master.js';
import type { JobRunner } from './jobs/runner.js';
import { TableJobRunner } from './jobs/table-runner.js';
import { QueueJobRunner } from './jobs/queue-runner.js';
import { Authenticator } from './server/auth.js';
import { Pipeline, type CompleteHandlerTable, type Handler, type HandlerTable } from './server/pipeline.js';
import { serverOperationNames } from './api/index.js';
import { createHttpServer } from './server/http.js';
import { consoleRoute, defaultConsoleDir } from './server/console-route.js';
import { createLogger, type Logger } from './server/logger.js';
import { projectHandlers } from './handlers/projects.js';
import { tagHandlers } from './handlers/tags.js';
import { versionHandlers } from './handlers/versions.js';
import { DatasetService } from './domain/datasets/service.js';
import { datasetJob } from './domain/datasets/jobs.js';
import { TrainingService } from './domain/versions/training.js';
import { trainingOptions } from './domain/versions/training/options.js';
import { datasetHandlers } from './handlers/datasets.js';
import { trainingHandlers } from './handlers/training.js';
import { ProjectPolicyService } from './domain/policies/service.js';
import { IdentityPolicies } from './domain/iam/identity.js';
import { keyPolicyCheck } from './domain/keys/policy.js';
import { applyConfiguredKeys } from './domain/keys/config.js';
import { CopyService } from './domain/versions/copy.js';
import { policyHandlers } from './handlers/policies.js';
import { copyHandlers } from './handlers/copy.js';
import { HostingService } from './domain/hosting/service.js';
import { hostingSettings } from './domain/hosting/settings.js';
import { hostingHandlers, LEADER_OPERATIONS } from './handlers/hosting.js';
import { exportHandlers } from './handlers/export.js';
import { Membership } from './domain/nodes/membership.js';
import { HttpPeers, nodeRoute, nodeRpcKey, type ServeUnit } from './server/node-rpc.js';
import { ExportService } from './domain/versions/export.js';

/**
 * standalone: one process does everything (the default). With `--workers N` (cluster.ts) the
 * primary is the leader: recovery after a restart, the job runner and the loaded models, no public
 * port; the workers serve the API on the shared port and hand `forwarded` operations to the leader.
 */
/** Owner of bucket folders imported from data dirs made before S3 buckets: the dev default account. */
const LEGACY_BUCKET_OWNER = '000000000000';

export type AppRole = 'standalone' | 'leader' | 'worker';

export interface AppOptions {
  clock?: Clock;
  ids?: Ids;
  log?: Logger;
  role?: AppRole;
  /** worker role: the handler that runs an operation in the leader instead. */
  forward?: (operation: string) => Handler;
  /** worker role: tells the leader's job runner that a job was enqueued. */
  wakeLeader?: () => void;
  /** worker role: runs an image another node forwarded on the leader's units (cluster.ts). */
  serveUnit?: ServeUnit;
}

export interface App {
  config: ServerConfig;
  /** The metadata stores (SQLite in the data dir, or PostgreSQL with --database-url). */
  stores: MetadataStores;
  pipeline: Pipeline;
  /** The operation handlers behind the pipeline (the leader runs forwarded operations with them). */
  handlers: CompleteHandlerTable;
  runner: JobRunner;
  /** This node's row in the `nodes` table (heartbeats); joined by listen() (not in a worker). */
  membership: Membership;
  /** Runs an image another node forwarded on this process's units (node-rpc.ts). */
  serveUnit: ServeUnit;
  server: Server;
  log: Logger;
  /** Starts the job runner (standalone, leader) and the HTTP server (standalone, worker). */
  listen(): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
}

export async function createApp(config: ServerConfig, opts: AppOptions = {}): Promise<App> {
  const role = opts.role ?? 'standalone';
  // Only one process per data dir cleans up after a crash and runs jobs: sweeping in a worker could
  // remove a file the leader is writing, and a second runner would recover jobs that are not orphaned.
  const recovers = role !== 'worker';
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds;
  const log = opts.log ?? createLogger(config.logLevel);
  mkdirSync(config.dataDir, { recursive: true });
  const secret = loadServerSecret(config.dataDir, config.masterKey);

  const stores = await openMetadata(config, log);
  // Several nodes on one PostgreSQL database: none may sweep what another is writing, and hosted
  // models are loaded by each node on demand rather than restored at boot (docs/scale-out.md).
  const shared = stores.backend === 'postgres';
  // Objects and model blobs: the data dir, or an S3 service (--s3-endpoint-url).
  const storage = await openObjectStorage(config, stores, { now: () => clock.now(), legacyOwner: LEGACY_BUCKET_OWNER, classify: objectMetaFor });
  const { blobs, objects: objectStore, buckets: bucketStore, legacy } = storage;
  // Nodes sharing the data dir (PostgreSQL) may be writing: a sweep could remove their files in flight.
  if (recovers) await storage.recover({ sweep: !shared });

  const paginator = new Paginator(subkey(secret, 'osprey-pagination'), () => clock.now());
  const tags = new TagService({ tags: stores.tags, maxTagsPerResource: 50 });
  const projects = new ProjectService({ projects: stores.projects, tags, clock, paginator, limits: { projectsPerAccount: 10_000 } });
  const membership = new Membership({ nodes: stores.nodes, clock, log });
  // PostgreSQL: graphile-worker claims and wakes across nodes; embedded: the runner polls the job table.
  const runner: JobRunner = stores.queue
    ? new QueueJobRunner(stores.jobs, stores.queue, clock, log, { leaseMs: config.jobLeaseSeconds * 1000 })
    : new TableJobRunner(stores.jobs, clock, ids, log, role === 'worker' ? opts.wakeLeader : undefined, { leaseMs: config.jobLeaseSeconds * 1000 });
  const versions = new VersionService({ versions: stores.versions, projects, blobs, paginator, runner });
  runner.register(versions.deleteJob());
  const keys = new KeyService({ keys: stores.keys, masterKey: kmsMasterKey(secret), clock, ids, policyCheck: keyPolicyCheck });
  const vault = new KmsModelVault(keys, blobs);
  const iam = new IdentityPolicies(config.credentials);
  const s3 = new S3Service({ buckets: bucketStore, objects: objectStore, iam, clock, legacy });
  const objects = s3.files();
  const sealed = new SealedObjects(keys, objects);
  if (recovers) await applyConfiguredKeys(keys, config.keys ?? [], config.region);
  const policies = new ProjectPolicyService({ policies: stores.policies, projects, clock, ids, paginator });
  const copies = new CopyService({
    versions: stores.versions, copies: stores.copies, jobs: stores.jobs, projects, policies, iam, keys, tags, blobs, objects, sealed,
    runner, clock, maxVersionsPerProject: 1000, concurrency: Math.max(1, config.copyConcurrency),
  });
  runner.register(copies.job());
  if (recovers) await copies.reconcile();
  // Node-to-node requests are signed with a key derived from the shared server key (node-rpc.ts).
  const rpcKey = nodeRpcKey(secret);
  const peers = shared ? new HttpPeers(rpcKey) : undefined;
  const hosting = new HostingService({
    versions: stores.versions, lookup: versions, vault, objects, runner, ids, settings: hostingSettings(config), log, shared,
    clock, nodes: stores.nodes, membership, peers,
  });
  const serveUnit: ServeUnit = role === 'worker' && opts.serveUnit ? opts.serveUnit : (arn, bytes) => hosting.serveUnit(arn, bytes);
  runner.register(hosting.job());
  if (recovers && !shared) await hosting.restore();
  const datasetStore = stores.datasets;
  const datasets = new DatasetService({ datasets: datasetStore, projects, tags, objects, paginator, clock, runner, jobs: stores.jobs });
  runner.register(datasetJob({ datasets: datasetStore, objects, sealed, clock }));
  if (recovers) await datasets.sweep();
  const training = new TrainingService({
    versions: stores.versions, datasets: datasetStore, projects, tags, objects, vault, sealed, runner, jobs: stores.jobs, clock,
    options: trainingOptions(config.training), concurrency: config.trainingConcurrency, maxVersionsPerProject: 1000,
    checkKey: (caller, kmsKeyId) => keys.resolveForUse(caller, kmsKeyId, ['kms:GenerateDataKey', 'kms:Decrypt']),
  });
  runner.register(training.job());
  if (recovers) await training.sweep();

  const handlers: HandlerTable = {
    ...projectHandlers(projects), ...tagHandlers(tags), ...datasetHandlers(datasets), ...trainingHandlers(training),
    ...versionHandlers(versions), ...copyHandlers(copies), ...policyHandlers(policies), ...hostingHandlers(hosting),
    ...exportHandlers(new ExportService({ versions, vault })),
  };
  if (role === 'worker' && opts.forward) for (const op of LEADER_OPERATIONS) handlers[op] = opts.forward(op);
  const missing = serverOperationNames.filter((op) => !handlers[op]);
  if (missing.length) throw new Error(`no handler for ${missing.join(', ')}`);
  const authenticator = new Authenticator({ mode: config.auth, credentials: config.credentials, defaultRegion: config.region }, () => clock.now());
  const s3Handlers = { ...bucketHandlers(s3), ...objectHandlers(s3, sealed), ...multipartHandlers(s3) };
  const pipeline = new Pipeline({ handlers: handlers as CompleteHandlerTable, authenticator, authorize: iam.authorizer(), log, s3: s3Handlers, s3Authorize: (c, op, t) => s3.authorizeRequest(c, op, t) });
  const server = createHttpServer(pipeline, () => ({ status: 'ok', version: process.env.npm_package_version, pid: process.pid }), consoleRoute(defaultConsoleDir()),
    nodeRoute(rpcKey, serveUnit, () => clock.now().getTime()));

  return {
    config, stores, pipeline, handlers: handlers as CompleteHandlerTable, runner, membership, serveUnit, server, log,
    async listen() {
      if (role !== 'worker') await runner.start();
      // The leader of --workers N does not listen: the workers share config.port (docs/scale-out.md).
      if (role === 'leader') {
        await membership.join(nodeIdentity(config, config.port), { alone: !shared });
        return { host: config.host, port: config.port };
      }
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      if (role === 'standalone') await membership.join(nodeIdentity(config, port), { alone: !shared });
      return { host: config.host, port };
    },
    async close() {
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
      await membership.leave();
      await runner.stop();
      await hosting.close();
      peers?.close();
      await stores.close();
      storage.close();
    },
  };
}
