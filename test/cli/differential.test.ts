// Differential suite: each command line runs through AWS CLI v2 (/usr/bin/aws, the 2.9.19 oracle)
// and `osprey rekognition` against the same servers: a canned-reply stub (pages, errors and waiter
// states a real server cannot be asked for on demand) and one started Osprey server, seeded once
// with projects, trained-looking versions, a dataset and hosting (test-only seams, see seedServer).
// Osprey is held to v2's stdout and exit code; stderr is compared with OSPREY_CLI_ERROR_ERA=A (2.9.19's
// era) after renaming the program; every case where Osprey differs says why in `differs`.
// The v1 CLI runs only for the few cases marked `v1` (JSON output without timestamps), where its
// stdout must equal v2's: a check on the oracle itself. Cases run in a bounded pool; cases of one
// `group` run in order, each CLI on its own copy of the resources (placeholders like {RUN}).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { missingTools, TOOLS } from '../helpers/tools.js';
import {
  A, VA, D, V1, HAVE_V2, HAVE_DIST, CONCURRENCY, OSPREY, AwsV2, baseEnv, exec, runCli, renameProgram, shellWords, stripAnsi, pool, startStub,
  type Run, type Stub,
} from './harness.js';
import { tempDir } from '../helpers/tmp.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

interface Case {
  id: string;
  args: string;
  stub?: string;
  env?: Record<string, string>;
  differs?: string;
  noEndpoint?: boolean;
  /** Also run v1 and require its stdout to equal v2's. */
  v1?: boolean;
  /** Cases of one group run in order (per CLI on its own resources). */
  group?: string;
  /** A step of a group that is not a command line: waits for the server (per CLI's resources). */
  sync?: (cli: 'v2' | 'osprey') => Promise<void>;
  /** Normalise random ids and creation times in ARNs before comparing. */
  norm?: boolean;
}

const BASE = `copy-project-version --source-project-arn ${A} --source-project-version-arn ${VA} --destination-project-arn ${D} --version-name v2`;
const OSPREY_DIFF_NEWER_MODEL = 'the 2.9.19 model predates members Osprey\'s model has (Feature, AutoUpdate, …)';
const CASES: Case[] = [
  { id: 'D01', v1: true, args: `${BASE} --output-config S3Bucket=bucket,S3KeyPrefix=p/q --tags k1=v1,k2=v2`, stub: 'ok' },
  { id: 'D02', args: 'copy-project-version', stub: 'ok' },
  { id: 'D03', args: `copy-project-version --source-project-arn ${A}`, stub: 'ok' },
  { id: 'D04', args: `${BASE} --output-config S3Bucket`, stub: 'ok' },
  { id: 'D05', args: `${BASE} --output-config S3Bucket=b1,S3Bucket=b2`, stub: 'ok' },
  { id: 'D06', args: `${BASE} --output-config S3Bucket=bucket,S3KeyPrefix=a,b`, stub: 'ok' },
  { id: 'D07', args: `${BASE} --output-config S3Bucket=bucket,Foo=bar`, stub: 'ok' },
  { id: 'D08', args: `${BASE} --output-config S3Bucket=bucket,S3KeyPrefix="a,b"`, stub: 'ok' },
  { id: 'D09', args: `${BASE} --output-config S3Bucket=bucket,S3KeyPrefix=a\\,b`, stub: 'ok' },
  { id: 'D10', args: `${BASE} --output-config S3Bucket=bucket --tags "my key=v"`, stub: 'ok' },
  { id: 'D11', args: `${BASE} --output-config S3Bucket=bucket --tags k1=v1 k2=v2`, stub: 'ok' },
  { id: 'D12', args: `${BASE} --output-config S3Bucket=bucket --tags '{"k1":1}'`, stub: 'ok' },
  { id: 'D13', args: `${BASE} --output-config S3Bucket=bucket --tags file://missing.json`, stub: 'ok' },
  { id: 'D14', args: `${BASE} --output-config S3Bucket=bucket --tags k1@=file://val.txt`, stub: 'ok', differs: '`@=` arrived in v2.20; 2.9.19 rejects it (rc 252), Osprey follows current v2' },
  { id: 'D15', args: `${BASE} --output-config '{"S3Bucket":'`, stub: 'ok' },
  { id: 'D16', args: `${BASE} --output-config S3Bucket=b`, stub: 'ok' },
  { id: 'D17', args: `${BASE} --output-config S3Bucket=bucket --kms-key-id ''`, stub: 'ok' },
  { id: 'D18', args: `${BASE} --output-config S3Bucket=bucket --version-name ${'x'.repeat(300)}`, stub: 'ok' },
  { id: 'D19', args: `start-project-version --project-version-arn ${VA} --min-inference-units 0`, stub: 'ok' },
  { id: 'D20', args: `start-project-version --project-version-arn ${VA} --min-inference-units 1.5`, stub: 'ok' },
  { id: 'D21', args: `detect-custom-labels --project-version-arn ${VA} --image-bytes fileb://img.bin --min-confidence abc`, stub: 'ok' },
  { id: 'D22', args: `detect-custom-labels --project-version-arn ${VA} --image Bytes=hello`, stub: 'ok' },
  { id: 'D22b', args: `detect-custom-labels --project-version-arn ${VA} --image Bytes=hello --cli-binary-format raw-in-base64-out`, stub: 'ok' },
  { id: 'D23', args: 'copy-project-version --cli-input-json file://bad.json', stub: 'ok' },
  { id: 'D24', args: 'describe-projects', stub: 'ok' },
  { id: 'D25', args: 'describe-projects --output text', stub: 'ok' },
  { id: 'D26', args: 'describe-projects --output table', stub: 'ok' },
  { id: 'D27', args: 'describe-projects --output yaml', stub: 'ok' },
  { id: 'D28', args: 'describe-projects --output yaml-stream', stub: 'ok' },
  { id: 'D29', args: "describe-projects --query 'ProjectDescriptions[0].Status' --output text", stub: 'ok' },
  { id: 'D29b', args: "describe-projects --query 'ProjectDescriptions[0].Status'", stub: 'ok' },
  { id: 'D30', args: 'describe-projects --query NoSuchKey', stub: 'ok' },
  { id: 'D30b', args: 'describe-projects --query NoSuchKey --output text', stub: 'ok' },
  { id: 'D30c', args: 'describe-projects --query NoSuchKey --output table', stub: 'ok' },
  { id: 'D31', args: 'describe-projects --max-items 1 --query NextToken', stub: 'ok' },
  { id: 'D31b', args: 'describe-projects --max-items 1 --output text', stub: 'ok' },
  { id: 'D31c', args: 'describe-projects --starting-token eyJOZXh0VG9rZW4iOiAidG9rMSJ9', stub: 'ok' },
  { id: 'D32', args: 'describe-projects --no-paginate --output text', stub: 'ok' },
  { id: 'D33', v1: true, args: `list-tags-for-resource --resource-arn ${A}`, stub: 'ok' },
  { id: 'D33b', args: `list-tags-for-resource --resource-arn ${A} --output text`, stub: 'ok' },
  { id: 'D33c', args: `list-tags-for-resource --resource-arn ${A} --output yaml`, stub: 'ok' },
  { id: 'D34', args: `list-tags-for-resource --resource-arn ${A} --output table`, stub: 'emptytags' },
  { id: 'D35', args: `delete-project-policy --project-arn ${A} --policy-name p1 --output yaml`, stub: 'ok' },
  { id: 'D35b', args: `delete-project-policy --project-arn ${A} --policy-name p1`, stub: 'ok' },
  { id: 'D36', args: "describe-projects --query '[?'", stub: 'ok' },
  { id: 'D37', args: 'describe-projects --output xml', stub: 'ok' },
  { id: 'D38', args: 'copy-project-version --generate-cli-skeleton', stub: 'ok' },
  { id: 'D38b', args: 'create-project-version --generate-cli-skeleton input', stub: 'ok', differs: OSPREY_DIFF_NEWER_MODEL },
  { id: 'D40', args: `${BASE} --output-config S3Bucket=bucket --generate-cli-skeleton output`, stub: 'ok' },
  { id: 'D40b', args: `list-tags-for-resource --resource-arn ${A} --generate-cli-skeleton output`, stub: 'ok' },
  { id: 'D41', args: 'copy-project-version --cli-input-json file://in.json --version-name from-cli --output-config S3Bucket=clibucket', stub: 'ok' },
  { id: 'D41b', args: 'copy-project-version --cli-input-yaml file://in.yaml', stub: 'ok' },
  { id: 'D42', args: 'copy-project-version --cli-input-yaml file://in.yaml --cli-input-json file://in.json', stub: 'ok' },
  { id: 'D43', args: `${BASE} --output-config S3Bucket=bucket`, stub: 'notfound' },
  { id: 'D43b', args: `delete-dataset --dataset-arn ${A}`, stub: 'denied' },
  { id: 'D44', args: 'describe-projects', stub: 'ok', env: { AWS_DEFAULT_REGION: '' } },
  { id: 'D45', args: 'describe-projects', stub: 'ok', env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' } },
  { id: 'D46', args: 'describe-projects --profile nope', stub: 'ok' },
  { id: 'D47', args: 'describe-projects --endpoint-url 127.0.0.1:9', noEndpoint: true },
  { id: 'D48', args: `wait project-version-training-completed --project-arn ${A} --version-names v1`, stub: 'failed' },
  { id: 'D49', args: `wait project-version-training-completed --project-arn ${A}`, stub: 'completed' },
  { id: 'D50', args: `wait project-version-running --project-arn ${A} --page-size 5`, stub: 'ok' },
  { id: 'X01', args: `${BASE} --output-config S3Bucket=bucket --tags k1=a,b,k2=c`, stub: 'ok' },
  { id: 'X02', args: `${BASE.replace('--version-name v2', '--version-na abbrev')} --output-config S3Bucket=bucket`, stub: 'ok' },
  { id: 'X03', args: `${BASE.replace('--version-name v2', '--version-name -dash')} --output-config S3Bucket=bucket`, stub: 'ok' },
  { id: 'X04', args: `${BASE.replace('--version-name v2', '--version-name=-dash')} --output-config S3Bucket=bucket`, stub: 'ok' },
  { id: 'X05', args: 'describe-projects --starting-token tok --no-paginate', stub: 'ok' },
  { id: 'X06', args: 'describe-projects --page-size 0', stub: 'ok' },
  { id: 'X07', args: `${BASE} --output-config S3Bucket=bucket,`, stub: 'ok' },
  { id: 'X08', args: `${BASE} --output-config S3Bucket==x`, stub: 'ok' },
  { id: 'X09', args: `${BASE} --output-config "S3Bucket=bucket,S3KeyPrefix=it's"`, stub: 'ok' },
  { id: 'X10', args: `${BASE} --output-config 'S3Bucket="bucket'`, stub: 'ok' },
  { id: 'X11', args: `${BASE} --output-config 'S3Bucket=[a,b]'`, stub: 'ok' },
  { id: 'X12', args: `${BASE} --output-config 'S3Bucket={a=b}'`, stub: 'ok' },
  { id: 'X13', args: `${BASE} --output-config S3Bucket=bucket --kms-key-id fileb://val.txt`, stub: 'ok' },
  { id: 'X14', args: `describe-project-versions --project-arn ${A}`, stub: 'ok' },
  { id: 'X15', args: `describe-project-versions --project-arn ${A} --output text`, stub: 'ok' },
  { id: 'X16', args: `describe-project-versions --project-arn ${A} --output yaml`, stub: 'ok' },
  { id: 'X17', args: `describe-project-versions --project-arn ${A} --output table`, stub: 'ok' },
  { id: 'X18', v1: true, args: `detect-custom-labels --project-version-arn ${VA} --image-bytes fileb://img.bin`, stub: 'ok' },
  { id: 'X19', args: `detect-custom-labels --project-version-arn ${VA} --image-bytes fileb://img.bin --output table`, stub: 'ok' },
  { id: 'X20', args: `detect-custom-labels --project-version-arn ${VA} --image-bytes fileb://img.bin --output yaml`, stub: 'ok' },
  { id: 'X21', args: `detect-custom-labels --project-version-arn ${VA} --image-bytes fileb://img.bin --output text --query 'CustomLabels[].[Name,Confidence]'`, stub: 'ok', differs: 'query results lose the float-ness of integral floats (95.0 prints 95): JMESPath runs on plain numbers; exit code and other lines equal' },
  { id: 'X22', args: `detect-custom-labels --project-version-arn ${VA}`, stub: 'ok' },
  { id: 'X23', args: 'distribute-dataset-entries --datasets Arn=x', stub: 'ok' },
  { id: 'X24', args: `list-dataset-entries --dataset-arn ${A} --labeled false`, stub: 'ok' },
  { id: 'X25', args: `untag-resource --resource-arn ${A} --tag-keys k1,k2 --debug`, stub: 'ok', differs: '--debug log lines are Osprey\'s own (stdout/rc compared only)' },
  { id: 'X26', args: 'describe-projects --color on --output table', stub: 'ok', differs: 'colour escapes: Osprey emits the styles without colorama\'s extra resets (stdout compared without escapes)' },
  { id: 'X27', args: 'stop-project-version --project-version-arn ' + VA, stub: 'boom', differs: 'retry backoff is random; stdout/rc/stderr still equal' },
  { id: 'X28', args: 'describe-projectz', stub: 'ok', differs: 'Osprey offers only the Custom Labels commands (and project-version-copy-completed), so the choice list is shorter' },
  { id: 'X29', args: 'describe-projects --version', stub: 'ok', differs: 'version string names Osprey and Node' },
  { id: 'X30', args: 'describe-projects --cli-auto-prompt --no-cli-auto-prompt', stub: 'ok' },
  { id: 'X31', args: 'describe-projects --cli-read-timeout abc', stub: 'ok' },
  { id: 'X32', args: 'describe-projects --no-sign-request --output json --no-verify-ssl --no-cli-pager --ca-bundle /dev/null --cli-connect-timeout 0', stub: 'ok' },
  { id: 'X33', args: 'describe-projects --region "bad region"', stub: 'ok' },
  { id: 'X34', args: 'describe-projects --out text', stub: 'ok' },
  { id: 'X35', args: 'describe-projects', env: { AWS_DEFAULT_OUTPUT: 'text' }, stub: 'ok' },
  { id: 'X36', args: 'describe-projects --query ProjectDescriptions[].Status --output yaml', stub: 'ok' },
  { id: 'X37', args: 'describe-projects --query ProjectDescriptions[0].Status --output yaml', stub: 'ok' },
  { id: 'X38', args: 'wait', stub: 'ok' },
  { id: 'X39', args: 'wait project-version-runing --project-arn x', stub: 'ok', differs: 'Osprey adds the project-version-copy-completed waiter to the choices' },
  { id: 'X41', args: "describe-projects --query 'length(NoSuch)'", stub: 'ok' },
  { id: 'X40', args: `put-project-policy --project-arn ${A} --policy-name p --policy-document file://missing.json`, stub: 'ok' },
];


// --- the started Osprey server -------------------------------------------------------------------
type CliName = 'v2' | 'osprey';
const R: Record<string, string> = {};
/** Per-CLI resources, equal in length so that table layouts match after normalising. */
const PER: Record<CliName, Record<string, string>> = { v2: {}, osprey: {} };
const SHORT: Record<CliName, string> = { v2: 'v2', osprey: 'os' };
const acct = (s: string) => `arn:aws:rekognition:us-east-1:111122223333:${s}`;
const PV_MEMBERS = "ProjectVersionDescriptions[].{Arn:ProjectVersionArn,Created:CreationTimestamp,Status:Status,Message:StatusMessage,Ended:TrainingEndTimestamp,Out:OutputConfig,Eval:EvaluationResult,Billable:BillableTrainingTimeInSeconds}";
let sdkFns: {
  waitVersion(projectArn: string, versionArn: string, until: string[]): Promise<void>;
  waitDataset(arn: string): Promise<void>;
  versionArnOf(projectArn: string, name: string): Promise<string>;
} | undefined;

function serverCases(): Case[] {
  const S = R.SHAPES!, V1ARN = R.V1!;
  const waitVersion = (project: string, key: string, until: string[]) => async (cli: CliName) => {
    const arn = key === 'RUN' ? PER[cli].RUN! : await sdkFns!.versionArnOf(project, PER[cli][key]!);
    await sdkFns!.waitVersion(project, arn, until);
  };
  return [
    { id: 'S01', args: 'create-project --project-name diffproj' },
    { id: 'S02', args: "describe-projects --query 'ProjectDescriptions[].{Arn:ProjectArn,Status:Status,Datasets:Datasets}'" },
    { id: 'S03', args: "describe-projects --query 'ProjectDescriptions[].{Arn:ProjectArn,Status:Status}' --output text" },
    { id: 'S04', args: "describe-projects --project-names shapes hosting --query 'ProjectDescriptions[].{Arn:ProjectArn,Status:Status}' --output table" },
    { id: 'S05', args: "describe-projects --project-names shapes --query 'ProjectDescriptions[].{Arn:ProjectArn,Status:Status,C:CreationTimestamp}' --output yaml" },
    { id: 'S06', args: 'describe-project-versions --project-arn arn:aws:rekognition:us-east-1:111122223333:project/nope/1' },
    { id: 'S07', args: 'list-tags-for-resource --resource-arn arn:aws:rekognition:us-east-1:111122223333:project/nope/1' },
    { id: 'S08', args: 'describe-projects --project-names nope-a nope-b' },
    // describe-project-versions: nested output, timestamps and floats (F1Score), all formats
    { id: 'S10', args: `describe-project-versions --project-arn ${S} --query '${PV_MEMBERS}'` },
    { id: 'S11', args: `describe-project-versions --project-arn ${S} --query '${PV_MEMBERS}' --output text` },
    { id: 'S12', args: `describe-project-versions --project-arn ${S} --query '${PV_MEMBERS}' --output table` },
    { id: 'S13', args: `describe-project-versions --project-arn ${S} --query '${PV_MEMBERS}' --output yaml` },
    { id: 'S14', args: `describe-project-versions --project-arn ${S} --query '${PV_MEMBERS}' --output yaml-stream` },
    { id: 'S15', args: `describe-project-versions --project-arn ${S} --version-names v1 --max-items 1 --query 'ProjectVersionDescriptions[].[Status,EvaluationResult.F1Score]' --output text` },
    { id: 'S16', args: `describe-project-versions --project-arn ${S} --no-paginate --query 'ProjectVersionDescriptions[0].TrainingDataResult'` },
    // datasets: a 12-image manifest in the bucket folder, imported once
    { id: 'S17', args: `describe-dataset --dataset-arn ${R.DS}` },
    { id: 'S18', args: `describe-dataset --dataset-arn ${R.DS} --output text` },
    { id: 'S19', args: `describe-dataset --dataset-arn ${R.DS} --output table` },
    { id: 'S20', args: `describe-dataset --dataset-arn ${R.DS} --output yaml` },
    { id: 'S21', args: `list-dataset-entries --dataset-arn ${R.DS}` },
    { id: 'S22', args: `list-dataset-entries --dataset-arn ${R.DS} --output text` },
    { id: 'S23', args: `list-dataset-entries --dataset-arn ${R.DS} --max-items 3` },
    { id: 'S24', args: `list-dataset-entries --dataset-arn ${R.DS} --page-size 5 --output yaml-stream --query 'DatasetEntries[].length(@)'` },
    { id: 'S25', args: `list-dataset-entries --dataset-arn ${R.DS} --contains-labels circle --output table` },
    { id: 'S26', args: `list-dataset-entries --dataset-arn ${R.DS} --labeled --no-paginate --query 'length(DatasetEntries)'` },
    { id: 'S27', args: `list-dataset-labels --dataset-arn ${R.DS}` },
    { id: 'S28', args: `list-dataset-labels --dataset-arn ${R.DS} --output table` },
    { id: 'S29', args: `describe-dataset --dataset-arn ${R.DS}/nope` },
    // waiters on settled versions
    { id: 'S30', args: `wait project-version-training-completed --project-arn ${S} --version-names v1` },
    { id: 'S31', args: `wait project-version-running --project-arn ${R.BROKEN}` },
    { id: 'S32', args: `wait project-version-running --project-arn ${acct('project/nope/1')}` },
    // copy-project-version errors: another account without a policy; unknown destination
    { id: 'S33', args: `copy-project-version --source-project-arn ${S} --source-project-version-arn ${V1ARN} --destination-project-arn ${R.DEST_B} --version-name x --output-config S3Bucket=b`, env: { AWS_ACCESS_KEY_ID: '444455556666' } },
    { id: 'S34', args: `copy-project-version --source-project-arn ${S} --source-project-version-arn ${V1ARN} --destination-project-arn ${acct('project/nope/1')} --version-name x --output-config S3Bucket=b` },
    { id: 'S35', args: `list-project-policies --project-arn ${S}` },
    { id: 'S36', args: `list-project-policies --project-arn ${S} --output table` },
    { id: 'S37', args: `detect-custom-labels --project-version-arn ${V1ARN} --image-bytes fileb://circle.jpg` },
    { id: 'S38', args: `start-project-version --project-version-arn ${V1ARN.replace('/v1/', '/nope/')} --min-inference-units 1 --output text` },
    // copy: each CLI copies shapes/v1 into dest under its own name, then reads the copy back
    { id: 'C1', group: 'copy', norm: true, args: `copy-project-version --source-project-arn ${S} --source-project-version-arn ${V1ARN} --destination-project-arn ${R.DEST} --version-name {CV} --output-config S3Bucket=copies,S3KeyPrefix=cli --tags k=v` },
    { id: 'C2', group: 'copy', args: '', sync: waitVersion(R.DEST!, 'CV', ['COPYING_COMPLETED', 'COPYING_FAILED']) },
    { id: 'C3', group: 'copy', norm: true, args: `describe-project-versions --project-arn ${R.DEST} --version-names {CV} --query 'ProjectVersionDescriptions[].{Arn:ProjectVersionArn,Status:Status,Src:SourceProjectVersionArn,Out:OutputConfig,F1:EvaluationResult.F1Score}' --output yaml` },
    { id: 'C4', group: 'copy', norm: true, args: `describe-project-versions --project-arn ${R.DEST} --version-names {CV} --query 'ProjectVersionDescriptions[].[Status,OutputConfig.S3Bucket]' --output table` },
    { id: 'C5', group: 'copy', norm: true, args: `wait project-version-copy-completed --project-arn ${R.DEST} --version-names {CV}`, differs: 'AWS has no copy waiter: v2 rejects the name (rc 252); Osprey succeeds at once (rc 0)' },
    { id: 'C6', group: 'copy', norm: true, args: `copy-project-version --source-project-arn ${S} --source-project-version-arn ${V1ARN} --destination-project-arn ${R.DEST} --version-name {CV} --output-config S3Bucket=copies --output text` },
    // start/stop with the waiter, inference on the running version (float confidences)
    { id: 'R1', group: 'run', norm: true, args: 'start-project-version --project-version-arn {RUN} --min-inference-units 1' },
    { id: 'R2', group: 'run', norm: true, args: `wait project-version-running --project-arn ${R.HOSTING} --version-names {RUNNAME}` },
    { id: 'R3', group: 'run', norm: true, args: `describe-project-versions --project-arn ${R.HOSTING} --version-names {RUNNAME} --query 'ProjectVersionDescriptions[0].[Status,MinInferenceUnits,StatusMessage]' --output text` },
    { id: 'R4', group: 'run', norm: true, args: 'detect-custom-labels --project-version-arn {RUN} --image-bytes fileb://circle.jpg --min-confidence 0' },
    { id: 'R5', group: 'run', norm: true, args: 'detect-custom-labels --project-version-arn {RUN} --image-bytes fileb://circle.jpg --min-confidence 0 --output table' },
    { id: 'R6', group: 'run', norm: true, args: `detect-custom-labels --project-version-arn {RUN} --image '{"S3Object":{"Bucket":"hosting-test","Name":"${R.IMG}"}}' --max-results 2 --min-confidence 0 --output yaml` },
    { id: 'R7', group: 'run', norm: true, args: 'stop-project-version --project-version-arn {RUN} --output yaml' },
    { id: 'R8', group: 'run', args: '', sync: waitVersion(R.HOSTING!, 'RUN', ['STOPPED', 'FAILED']) },
    { id: 'R9', group: 'run', norm: true, args: 'start-project-version --project-version-arn {RUN} --min-inference-units 1 --max-inference-units 2 --output table' },
    { id: 'R10', group: 'run', norm: true, args: 'stop-project-version --project-version-arn {RUN} --output text' },
    { id: 'R11', group: 'run', args: '', sync: waitVersion(R.HOSTING!, 'RUN', ['STOPPED', 'FAILED']) },
    // project policies: each CLI on its own project
    { id: 'P1', group: 'policy', norm: true, args: 'put-project-policy --project-arn {PP} --policy-name p1 --policy-document file://policy-{PPNAME}.json' },
    { id: 'P2', group: 'policy', norm: true, args: "list-project-policies --project-arn {PP} --query 'ProjectPolicies[].[PolicyName,PolicyDocument]' --output text" },
    { id: 'P3', group: 'policy', norm: true, args: "list-project-policies --project-arn {PP} --query 'ProjectPolicies[].{Name:PolicyName,Project:ProjectArn,Revision:PolicyRevisionId}' --output yaml" },
    { id: 'P4', group: 'policy', norm: true, args: 'put-project-policy --project-arn {PP} --policy-name p1 --policy-document file://policy-{PPNAME}.json --policy-revision-id 00000000000000000000000000000000' },
    { id: 'P5', group: 'policy', norm: true, args: "list-project-policies --project-arn {PP} --query 'ProjectPolicies[].[PolicyName,PolicyRevisionId]' --output table" },
    { id: 'P6', group: 'policy', norm: true, args: 'delete-project-policy --project-arn {PP} --policy-name p1' },
    { id: 'P7', group: 'policy', norm: true, args: 'list-project-policies --project-arn {PP}' },
    { id: 'P8', group: 'policy', norm: true, args: 'list-project-policies --project-arn {PP} --output table' },
    { id: 'P9', group: 'policy', norm: true, args: 'delete-project-policy --project-arn {PP} --policy-name p1' },
    // create-dataset: each CLI on its own project, nested shorthand
    { id: 'T1', group: 'dataset', norm: true, args: "create-dataset --project-arn {DSP} --dataset-type TEST --dataset-source 'GroundTruthManifest={S3Object={Bucket=hosting-test,Name=cli/train.manifest}}'" },
    { id: 'T2', group: 'dataset', args: '', sync: async (cli) => { await sdkFns!.waitDataset(`${PER[cli].DSP}`); } },
    { id: 'T3', group: 'dataset', norm: true, args: "describe-projects --project-names {DSPNAME} --query 'ProjectDescriptions[0].Datasets[].[DatasetType,Status]' --output text" },
    { id: 'T4', group: 'dataset', norm: true, args: "create-dataset --project-arn {DSP} --dataset-type TEST --dataset-source 'GroundTruthManifest={S3Object={Bucket=hosting-test,Name=cli/train.manifest}}' --output yaml" },
  ];
}

let stub: Stub;
let awsV2: AwsV2;
let dir = '';
let server: { url: string; dataDir: string; stop(): Promise<void>; cleanup(): void; log(): string } | undefined;
let serverSetup: Promise<void> | undefined;

/** Seeds a data dir (test-only seams), starts the server on it, and creates what the cases read. */
async function seedServer(): Promise<void> {
  const { sampleModel, seedVersion } = await import('../hosting/fixtures.js');
  const { startServer } = await import('../helpers/server.js');
  const { sdk, waitStatus } = await import('../hosting/util.js');
  const rk = await import('@aws-sdk/client-rekognition');
  const sample = await sampleModel();
  const dataDir = tempDir('osprey-cli-diff-data-');
  const shapes = await seedVersion(dataDir, sample, { project: 'shapes', version: 'v1' });
  const runs: Record<CliName, string> = { v2: '', osprey: '' };
  for (const cli of ['v2', 'osprey'] as const) runs[cli] = (await seedVersion(dataDir, sample, { project: 'hosting', version: `run-${SHORT[cli]}` })).versionArn;
  const broken = await seedVersion(dataDir, sample, { project: 'broken', version: 'bad', model: randomBytes(256) });
  // a 12-line manifest over the sample images the seeding put in s3://hosting-test/
  const lines = sample.images.filter((i) => i.split === 'train').slice(0, 12).map((i) => JSON.stringify({
    'source-ref': `s3://hosting-test/${i.path}`, 'shape': 0,
    'shape-metadata': { confidence: 1, 'class-name': i.className, 'human-annotated': 'yes', 'creation-date': '2024-01-01T00:00:00.000', type: 'groundtruth/image-classification', 'job-name': 'labeling-job/cli' },
  }));
  mkdirSync(join(dataDir, 'buckets', 'hosting-test', 'cli'), { recursive: true });
  mkdirSync(join(dataDir, 'buckets', 'copies'), { recursive: true });
  writeFileSync(join(dataDir, 'buckets', 'hosting-test', 'cli', 'train.manifest'), lines.join('\n') + '\n');
  R.IMG = sample.images.find((i) => i.className === 'circle' && i.split === 'test')!.path;
  writeFileSync(join(dir, 'circle.jpg'), sample.images.find((i) => i.path === 'circle/0.jpg')?.bytes ?? sample.images[0]!.bytes);
  server = await startServer({ dataDir });
  const client = sdk(server.url);
  const clientB = sdk(server.url, { accessKeyId: '444455556666', secretAccessKey: 'x' });
  const create = async (name: string, c = client) => (await c.send(new rk.CreateProjectCommand({ ProjectName: name }))).ProjectArn!;
  Object.assign(R, { SHAPES: shapes.projectArn, V1: shapes.versionArn, BROKEN: broken.projectArn, DEST: await create('dest'), DEST_B: await create('dest', clientB) });
  R.HOSTING = (await client.send(new rk.DescribeProjectsCommand({ ProjectNames: ['hosting'] }))).ProjectDescriptions![0]!.ProjectArn!;
  for (const cli of ['v2', 'osprey'] as const) {
    const s = SHORT[cli];
    writeFileSync(join(dir, `policy-pol-${s}.json`), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'rekognition:CopyProjectVersion', Resource: `arn:aws:rekognition:us-east-1:111122223333:project/pol-${s}/version/*` }] }));
    PER[cli] = { RUN: runs[cli], RUNNAME: `run-${s}`, CV: `copy-${s}`, PP: await create(`pol-${s}`), PPNAME: `pol-${s}`, DSP: await create(`dsc-${s}`), DSPNAME: `dsc-${s}` };
  }
  const dataProject = await create('data');
  R.DS = (await client.send(new rk.CreateDatasetCommand({ ProjectArn: dataProject, DatasetType: 'TRAIN', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'hosting-test', Name: 'cli/train.manifest' } } } }))).DatasetArn!;
  const waitDataset = async (arnOrProject: string) => {
    for (;;) {
      let arn = arnOrProject;
      if (!arn.includes('/dataset/')) {
        const p = (await client.send(new rk.DescribeProjectsCommand({}))).ProjectDescriptions!.find((x) => x.ProjectArn === arnOrProject);
        arn = p?.Datasets?.[0]?.DatasetArn ?? '';
      }
      const st = arn ? (await client.send(new rk.DescribeDatasetCommand({ DatasetArn: arn }))).DatasetDescription?.Status : undefined;
      if (st && !st.endsWith('IN_PROGRESS')) { if (st !== 'CREATE_COMPLETE') throw new Error(`dataset ${arn}: ${st}`); return; }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const versionArnOf = async (projectArn: string, name: string) => {
    for (;;) {
      const v = (await client.send(new rk.DescribeProjectVersionsCommand({ ProjectArn: projectArn, VersionNames: [name] }))).ProjectVersionDescriptions?.[0];
      if (v) return v.ProjectVersionArn!;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  sdkFns = {
    waitVersion: async (p, v, until) => { await waitStatus(server!.url, p, v, until, 600_000); },
    waitDataset, versionArnOf,
  };
  await client.send(new rk.StartProjectVersionCommand({ ProjectVersionArn: broken.versionArn, MinInferenceUnits: 1 }));
  await waitStatus(server.url, broken.projectArn, broken.versionArn, ['FAILED'], 600_000);
  await waitDataset(R.DS);
}

before(async () => {
  if (!HAVE_V2) return;
  dir = tempDir('osprey-cli-diff-');
  writeFileSync(join(dir, 'val.txt'), 'hello world');
  writeFileSync(join(dir, 'img.bin'), 'hello');
  writeFileSync(join(dir, 'bad.json'), '{"SourceProjectArn": "x", "Bogus": 1}');
  writeFileSync(join(dir, 'in.json'), JSON.stringify({ SourceProjectArn: A, SourceProjectVersionArn: VA, DestinationProjectArn: D, VersionName: 'from-json', OutputConfig: { S3Bucket: 'jsonbucket', S3KeyPrefix: 'jp' }, Tags: { src: 'json' } }));
  writeFileSync(join(dir, 'in.yaml'), `SourceProjectArn: ${A}\nSourceProjectVersionArn: ${VA}\nDestinationProjectArn: ${D}\nVersionName: from-yaml\nOutputConfig: {S3Bucket: yamlbucket}\n`);
  stub = await startStub();
  mkdirSync(join(dir, 'scratch'));
  awsV2 = new AwsV2(join(dir, 'scratch'));
  await awsV2.start(baseEnv(dir));
  // the server's seeding runs while the stub cases run
  if (HAVE_DIST) serverSetup = seedServer();
  serverSetup?.catch(() => { /* reported by the server test */ });
});

after(async () => {
  await stub?.close();
  awsV2?.stop();
  await serverSetup?.catch(() => undefined);
  await server?.stop();
  server?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const fill = (args: string, cli: CliName) => args.replace(/\{([A-Z]+)\}/g, (m, k: string) => PER[cli][k] ?? m);
/** Per-CLI resources back to their placeholders; creation times in ARNs and policy revisions blanked. */
function normalise(s: string, cli: CliName): string {
  for (const [k, v] of Object.entries(PER[cli]).sort((a, b) => b[1].length - a[1].length)) s = s.split(v).join(`{${k}}`);
  return s.replace(/(:project\/[^/\s]+(?:\/(?:version|dataset)\/[^/\s]+)?\/)\d{13}/g, '$1<ms>').replace(/\b[0-9a-f]{32}\b/g, '<revision>');
}

interface Result { v2: Run; os: Run; v1?: Run }

async function runCase(c: Case, endpoint: string | undefined): Promise<Result> {
  const suffix = endpoint ? ` --endpoint-url ${endpoint}` : '';
  const env = baseEnv(dir, c.env);
  const one = async (cli: CliName): Promise<Run> => {
    if (c.sync) { await c.sync(cli); return { out: '', err: '', rc: 0 }; }
    const argv = await shellWords(fill(c.args, cli) + suffix);
    const r = cli === 'v2' ? await awsV2.run(argv, env, dir)
      : await exec(process.execPath, [OSPREY, 'rekognition', ...argv], { ...env, OSPREY_CLI_ERROR_ERA: 'A' }, dir);
    return c.norm ? { ...r, out: normalise(r.out, cli), err: normalise(r.err, cli) } : r;
  };
  const [v2, os, v1] = await Promise.all([one('v2'), one('osprey'), c.v1 && V1 ? runCli('v1', c.args + suffix, env, dir) : undefined]);
  return { v2, os, v1 };
}

function compare(c: Case, r: Result) {
  const tag = `${c.id} ${c.args.slice(0, 90)}`;
  if (r.v1) assert.equal(r.v1.out, r.v2.out, `${tag}: v1 stdout equals v2 stdout`);
  if (c.differs && /model|choice list|choices|version string/.test(c.differs)) {
    assert.equal(r.os.rc, r.v2.rc, `${tag}: exit code`);
    return;
  }
  if (c.id === 'D14') { assert.equal(r.os.rc, 0, tag); return; }
  if (c.id === 'C5') { assert.equal(r.v2.rc, 252, tag); assert.deepEqual(r.os, { out: '', err: '', rc: 0 }, tag); return; }
  assert.equal(r.os.rc, r.v2.rc, `${tag}: exit code (stderr osprey=${JSON.stringify(r.os.err)} v2=${JSON.stringify(r.v2.err)})`);
  if (c.differs?.startsWith('query results')) { assert.equal(r.os.out.replace(/\.0\b/g, ''), r.v2.out.replace(/\.0\b/g, ''), tag); return; }
  if (c.differs?.startsWith('colour')) { assert.equal(stripAnsi(r.os.out), stripAnsi(r.v2.out), tag); return; }
  assert.equal(r.os.out, r.v2.out, `${tag}: stdout`);
  if (c.differs?.startsWith('--debug')) return;
  assert.equal(r.os.err, renameProgram(r.v2.err), `${tag}: stderr`);
}

/** Runs cases in the pool (a group is one job, its cases in order) and reports each as a subtest. */
async function runSuite(t: { test: (name: string, fn: () => void) => Promise<void> }, cases: Case[], endpointOf: (c: Case) => string | undefined) {
  const jobs: (() => Promise<[Case, Result][]>)[] = [];
  const groups = new Map<string, Case[]>();
  for (const c of cases) {
    if (!c.group) { jobs.push(async () => [[c, await runCase(c, endpointOf(c))]]); continue; }
    if (!groups.has(c.group)) {
      groups.set(c.group, []);
      const g = groups.get(c.group)!;
      jobs.unshift(async () => { const out: [Case, Result][] = []; for (const gc of g) out.push([gc, await runCase(gc, endpointOf(gc))]); return out; });
    }
    groups.get(c.group)!.push(c);
  }
  const done = (await pool(CONCURRENCY, jobs)).flat();
  const order = new Map(cases.map((c, i) => [c, i]));
  done.sort((a, b) => order.get(a[0])! - order.get(b[0])!);
  for (const [c, r] of done) {
    if (c.sync) continue;
    process.stdout.write(`# ${c.id}: v2 rc ${r.v2.rc}, osprey rc ${r.os.rc}${r.v1 ? `, v1 rc ${r.v1.rc}` : ''}${c.differs ? ` (documented difference: ${c.differs})` : ''}\n`);
    if (c.id === 'S01') {
      // both run at once with one project name: exactly one creates it, the other gets
      // ResourceInUseException (rc 254)
      await t.test(c.id, () => assert.deepEqual([r.v2.rc, r.os.rc].sort(), [0, 254]));
      continue;
    }
    await t.test(c.id, () => compare(c, r));
  }
}

const skip = missingTools(TOOLS.awsV2());
if (skip) process.stdout.write(`# skipping the CLI differential suite: ${skip}\n`);

test('differential: canned-reply stub', { skip, timeout: 900_000 }, async (t) => {
  await runSuite(t, CASES, (c) => (c.noEndpoint ? undefined : `${stub.url}/${c.stub ?? 'ok'}`));
});

test('the v2 runner is faithful: a few command lines through /usr/bin/aws itself', { skip }, async () => {
  const env = baseEnv(dir);
  for (const c of CASES.filter((x) => ['D01', 'D07', 'X17', 'D36'].includes(x.id))) {
    const args = `${c.args} --endpoint-url ${stub.url}/${c.stub ?? 'ok'}`;
    const [real, forked] = await Promise.all([runCli('v2', args, env, dir), awsV2.run(await shellWords(args), env, dir)]);
    assert.deepEqual(forked, real, c.id);
  }
});

test('differential: started Osprey server', { skip: skip || (!HAVE_DIST && 'dist/ is not built'), timeout: 900_000 }, async (t) => {
  await serverSetup;
  await runSuite(t, serverCases(), () => server!.url);
});
