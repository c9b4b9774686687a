// The `osprey` command: serve | rekognition | export-model | kms | demo | --version. Each branch is imported
// lazily so that the CLI's cold start never loads the server (SQLite, tfjs, sharp).
import { readFileSync } from 'node:fs';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const USAGE = `Usage: osprey <command> [options]

Commands:
  serve                 start the Osprey server (AWS JSON 1.1 Rekognition Custom Labels endpoint)
  rekognition <cmd>     the AWS-CLI-compatible command line (osprey rekognition help)
  export-model          write a model version as a TensorFlow.js model (Osprey extension; osprey export-model help)
  kms <cmd>             manage the embedded key service's keys (osprey kms help)
  demo                  run the end-to-end demo on a temporary embedded server
  --version             print the version

osprey serve options (each also as an environment variable):
  --port N              OSPREY_PORT        (default 4750)
  --host H              OSPREY_HOST        (default 127.0.0.1)
  --data-dir DIR        OSPREY_DATA_DIR    (default ./data)
  --auth dev|strict     OSPREY_AUTH        (default dev: any key works; strict verifies SigV4)
  --config FILE         OSPREY_CONFIG      (JSON or YAML; see docs/configuration.md)
  --region R            OSPREY_REGION      (region for unsigned requests; default us-east-1)
  --training-concurrency N                 (default 1)
  --workers N|auto      OSPREY_WORKERS     (default 1; N API processes share the port, see docs/configuration.md)
  --log-level info|warn|error|silent
  --database-url URL    OSPREY_DATABASE_URL (postgres://…: metadata in PostgreSQL, see docs/scale-out.md;
                                           default: SQLite in the data dir)
  --database-pool-size N OSPREY_DATABASE_POOL_SIZE (default 10 connections per process)
  --s3-endpoint-url URL OSPREY_S3_ENDPOINT_URL (objects and model blobs in this S3 service, see
                                           docs/scale-out.md; default: the embedded store in the data dir)
  --s3-region R         OSPREY_S3_REGION   (default: the AWS SDK's chain, else --region)
  --model-bucket NAME   OSPREY_MODEL_BUCKET (default osprey-models)
                        OSPREY_S3_ACCESS_KEY_ID / OSPREY_S3_SECRET_ACCESS_KEY (default: the AWS SDK's chain)
  --node-id ID          OSPREY_NODE_ID     (default <host name>:<port>; a node's name in a shared database)
  --advertise-url URL   OSPREY_ADVERTISE_URL (default http://<host>:<port>; how other nodes reach this one)
`;

async function serve(argv: string[]): Promise<number> {
  const { loadConfig, parseServeArgs } = await import('./config.js');
  const config = loadConfig(parseServeArgs(argv));
  const { startLeader, startWorker, isWorkerProcess } = await import('./cluster.js');
  const running = isWorkerProcess() ? await startWorker(config) : config.workers > 1 ? await startLeader(config) : await startStandalone(config);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    running.log.info('shutting down', { signal });
    running.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // Announced only once a signal would shut it down cleanly (a script may stop it as soon as it reads this).
  if (running.url) {
    // Always printed, whatever the log level: scripts and tests read the bound port from it.
    process.stderr.write(JSON.stringify({ t: new Date().toISOString(), level: 'info', msg: 'osprey listening', url: running.url, dataDir: config.dataDir, auth: config.auth, workers: config.workers }) + '\n');
  }
  return new Promise<number>(() => undefined); // runs until a signal
}

async function startStandalone(config: import('./config.js').ServerConfig) {
  const { createApp } = await import('./app.js');
  const app = await createApp(config);
  const { host, port } = await app.listen();
  return { url: `http://${host}:${port}`, log: app.log, close: () => app.close() };
}

export async function main(argv: string[]): Promise<number> {
  // Osprey pins an AWS SDK release that runs on Node 20; its notice about future releases is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [command, ...rest] = argv;
  switch (command) {
    case '--version': case 'version':
      process.stdout.write(`osprey ${version()}\n`);
      return 0;
    case 'serve':
      if (rest.includes('--help') || rest.includes('-h')) { process.stdout.write(USAGE); return 0; }
      return serve(rest);
    case 'rekognition': {
      const { runRekognitionCli } = await import('./cli/index.js');
      return runRekognitionCli(rest);
    }
    case 'export-model': {
      const { runExportModel } = await import('./cli/export-model.js');
      return runExportModel(rest);
    }
    case 'kms': {
      const { runKmsCli } = await import('./cli/kms.js');
      return runKmsCli(rest);
    }
    case 'demo': {
      const { runDemo } = await import('./demo.js');
      return runDemo(rest);
    }
    case undefined: case 'help': case '--help': case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`osprey: unknown command ${command}\n\n${USAGE}`);
      return 1;
  }
}
