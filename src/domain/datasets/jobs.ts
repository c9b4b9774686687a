// The dataset job: imports a manifest, copies a dataset, applies UpdateDatasetEntries changes or
// distributes entries. Every outcome is committed in one transaction together with the status
// change, so a crash leaves either the old entries or the new ones, and a retry is safe.
import type { JobKind } from '../../jobs/runner.js';
import type { ObjectFiles } from '../s3/service.js';
import type { DatasetStatus, DatasetStore, JobRecord } from '../../storage/ports.js';
import type { SealedObjects } from '../keys/sealed-objects.js';
import { parseArn } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import type { Caller } from '../shared/scope.js';
import { checkImages } from './images.js';
import type { ParsedLine } from './manifest.js';
import { splitByLabel } from './split.js';
import { checkLines, parseManifest, toEntry, type TerminalError } from './validation.js';

export const DATASET_JOB = 'dataset';
export const jobId = (datasetArn: string, at: Date) => `dataset:${datasetArn}:${at.getTime()}`;

export type DatasetJobPayload =
  | { op: 'create-from-manifest'; datasetArn: string; manifest: { bucket: string; name: string } }
  | { op: 'create-from-dataset'; datasetArn: string; sourceArn: string }
  | { op: 'update'; datasetArn: string; changes: string }
  | { op: 'distribute'; datasetArn: string; testArn: string };

const MAX_ATTEMPTS = 3;

/** `CODE: message` — the code first, so clients can match it (spec §3.3 leaves the format to us). */
export const statusMessage = (e: TerminalError) => `${e.code}: ${e.message}`;

/**
 * A manifest may be an output file Osprey sealed (a TrainingGroundTruth file, say): it is opened as
 * the dataset's account (its root principal), so the key policy decides, as kms:Decrypt would on AWS.
 */
function ownerOf(datasetArn: string): Caller | undefined {
  const ref = parseArn(datasetArn);
  return ref && { accountId: ref.accountId, region: ref.region, principalArn: `arn:aws:iam::${ref.accountId}:root` };
}

function readAsOwner(sealed: SealedObjects, datasetArn: string, bucket: string, name: string): Promise<Buffer | undefined> {
  const owner = ownerOf(datasetArn);
  return owner ? sealed.getAs(owner, bucket, name) : Promise.resolve(undefined);
}

export function datasetJob(deps: { datasets: DatasetStore; objects: ObjectFiles; sealed: SealedObjects; clock: Clock }): JobKind {
  const { datasets, objects, sealed, clock } = deps;

  const inProgress = (p: DatasetJobPayload): DatasetStatus => (p.op.startsWith('create') ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS');
  const failedStatus = (p: DatasetJobPayload): DatasetStatus => (p.op.startsWith('create') ? 'CREATE_FAILED' : 'UPDATE_FAILED');

  const fail = async (p: DatasetJobPayload, message: string, code: 'CLIENT_ERROR' | 'SERVICE_ERROR') => {
    const patch = { statusMessage: message, statusMessageCode: code, updatedAt: clock.now() };
    for (const arn of p.op === 'distribute' ? [p.datasetArn, p.testArn] : [p.datasetArn]) {
      await datasets.transition(arn, [inProgress(p)], failedStatus(p), patch);
    }
  };

  /** Parses and validates manifest bytes; returns the lines or fails the dataset. */
  const validate = async (p: DatasetJobPayload, bytes: Buffer): Promise<ParsedLine[] | undefined> => {
    const parsed = parseManifest(bytes);
    if ('terminal' in parsed) { await fail(p, statusMessage(parsed.terminal), 'CLIENT_ERROR'); return undefined; }
    const owner = ownerOf(p.datasetArn);
    if (!owner) { await fail(p, 'The dataset ARN is not valid.', 'SERVICE_ERROR'); return undefined; }
    await checkImages(objects, parsed.lines, owner);
    const terminal = checkLines(parsed.lines);
    if (terminal) { await fail(p, statusMessage(terminal), 'CLIENT_ERROR'); return undefined; }
    return parsed.lines;
  };

  const commit = async (p: DatasetJobPayload, lines: ParsedLine[], replaceAll: boolean, message: string) => {
    const entries = lines.map(toEntry).filter((e) => e !== undefined);
    const to = p.op.startsWith('create') ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE';
    await datasets.commitEntries(p.datasetArn, entries, {
      replaceAll, from: [inProgress(p)], to, patch: { statusMessage: message, statusMessageCode: 'SUCCESS', updatedAt: clock.now() },
    });
  };

  const run = async (p: DatasetJobPayload) => {
    const d = await datasets.get(p.datasetArn);
    if (!d || d.status !== inProgress(p)) return; // deleted or already settled
    switch (p.op) {
      case 'create-from-manifest': {
        let bytes: Buffer | undefined;
        try { bytes = await readAsOwner(sealed, p.datasetArn, p.manifest.bucket, p.manifest.name); } catch { bytes = undefined; }
        if (!bytes) {
          await fail(p, `ERROR_MANIFEST_INACCESSIBLE_OR_UNSUPPORTED_FORMAT: The manifest s3://${p.manifest.bucket}/${p.manifest.name} cannot be read.`, 'CLIENT_ERROR');
          return;
        }
        const lines = await validate(p, bytes);
        if (lines) await commit(p, lines, true, 'The dataset was created successfully.');
        return;
      }
      case 'create-from-dataset': {
        const entries = await datasets.allEntries(p.sourceArn);
        await datasets.commitEntries(p.datasetArn, entries, {
          replaceAll: true, from: ['CREATE_IN_PROGRESS'], to: 'CREATE_COMPLETE',
          patch: { statusMessage: 'The dataset was created successfully.', statusMessageCode: 'SUCCESS', updatedAt: clock.now() },
        });
        return;
      }
      case 'update': {
        const lines = await validate(p, Buffer.from(p.changes, 'base64'));
        if (lines) await commit(p, lines, false, 'The dataset was updated successfully.');
        return;
      }
      case 'distribute': {
        const all = await datasets.allEntries(p.datasetArn);
        const usable = all.filter((e) => !e.hasErrors);
        const split = splitByLabel(usable, (e) => Object.keys(e.labels), (e) => e.sourceRef);
        if (split.tooFew.length > 0) {
          await fail(p, `ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_DISTRIBUTE: Each label needs at least 2 images to distribute; too few for: ${split.tooFew.slice(0, 10).join(', ')}.`, 'CLIENT_ERROR');
          return;
        }
        await datasets.moveEntries(p.datasetArn, p.testArn, split.test.map((e) => e.sourceRef), 'UPDATE_COMPLETE',
          { statusMessage: 'The dataset entries were distributed successfully.', statusMessageCode: 'SUCCESS', updatedAt: clock.now() });
        return;
      }
    }
  };

  return {
    kind: DATASET_JOB,
    concurrency: 1,
    run: ({ job }) => run(job.payload as DatasetJobPayload),
    // Every step commits atomically, so an interrupted job is simply run again (a few times at most).
    recover: async (job: JobRecord) => (job.attempts < MAX_ATTEMPTS ? 'resume' : 'fail'),
    fail: async (job: JobRecord, reason: string) => fail(job.payload as DatasetJobPayload, `The dataset operation failed: ${reason}`, 'SERVICE_ERROR'),
  };
}
