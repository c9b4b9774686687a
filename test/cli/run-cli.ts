// Runs the CLI from source: `node --import tsx test/cli/run-cli.ts <words after "osprey rekognition">`.
import { runRekognitionCli } from '../../src/cli/index.js';
process.exitCode = await runRekognitionCli(process.argv.slice(2));
