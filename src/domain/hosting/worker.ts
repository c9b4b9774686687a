// One inference unit: a worker thread that holds one loaded model and answers one image at a time.
// It checks the image (format, dimensions, a full decode that catches truncation) and predicts; the
// main thread only routes bytes, so a slow decode never stalls the HTTP event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { loadPredictor } from '../../ml/predict.js';
import { loadDetector } from '../../ml/detection/predict.js';
import { letterbox } from '../../ml/detection/letterbox.js';
import { isDetector, readModelHeader } from '../../ml/model-format.js';
import { ImageError, imageToInput, probeImage } from '../../ml/image.js';
import { headerDimensions } from './dims.js';
import { IMAGE_LIMITS, type ImageCheck } from './limits.js';

export type WorkerRequest = { id: number; bytes: Uint8Array };
/**
 * A classifier's reply carries one confidence per label; a detector's carries its detections flattened, six floats
 * each: label index, confidence (0..1), Left, Top, Width, Height (ratios of the image), most confident first.
 */
export type WorkerReply =
  | { id: number; ok: true; confidences: Float32Array; inferMs: number }
  | { id: number; ok: false; check: ImageCheck; message: string };
export type WorkerHello =
  | { type: 'ready'; kind: ModelKind; labels: string[]; thresholds: number[]; inputSize: number; loadMs: number }
  | { type: 'load-error'; message: string };

export type ModelKind = 'classification' | 'detection';

/** One loaded model of either kind, answering with the reply's Float32Array (see WorkerReply). */
interface Unit { kind: ModelKind; labels: string[]; assumedThresholds: number[]; inputSize: number; run(bytes: Buffer): Promise<Float32Array>; warm(): void }

async function load(model: Buffer): Promise<Unit> {
  if (isDetector(readModelHeader(model).architecture)) {
    const d = await loadDetector(model);
    const blank = { scaledWidth: d.inputSize, scaledHeight: d.inputSize };
    return {
      kind: 'detection', labels: d.labels, assumedThresholds: d.assumedThresholds, inputSize: d.inputSize,
      warm: () => void d.detectInput(new Float32Array(d.inputSize * d.inputSize * 3), blank),
      async run(bytes) {
        const lb = await letterbox(bytes, d.inputSize);
        const dets = d.detectInput(lb.input, lb);
        return Float32Array.from(dets.flatMap((x) => [x.label, x.confidence, x.box.left, x.box.top, x.box.width, x.box.height]));
      },
    };
  }
  const p = await loadPredictor(model);
  return {
    kind: 'classification', labels: p.labels, assumedThresholds: p.assumedThresholds, inputSize: p.inputSize,
    warm: () => void p.predict(new Float32Array(p.inputSize * p.inputSize * 3)),
    run: async (bytes) => p.predict(await imageToInput(bytes, p.inputSize)),
  };
}

function dimensionProblem(width: number, height: number): { check: ImageCheck; message: string } | undefined {
  const { minPixels, maxPixels, maxAspect } = IMAGE_LIMITS;
  if (width > maxPixels || height > maxPixels) {
    return { check: 'TOO_LARGE', message: `Image dimensions ${width}x${height} exceed the maximum of ${maxPixels}x${maxPixels} pixels.` };
  }
  if (width < minPixels || height < minPixels) {
    return { check: 'TOO_SMALL', message: `Image dimensions ${width}x${height} are below the minimum of ${minPixels}x${minPixels} pixels.` };
  }
  if (Math.max(width, height) / Math.min(width, height) > maxAspect) {
    return { check: 'ASPECT', message: `Image aspect ratio ${width}:${height} exceeds ${maxAspect}:1.` };
  }
  return undefined;
}

async function main(): Promise<void> {
  const port = parentPort!;
  const t0 = performance.now();
  let predictor: Unit;
  try {
    predictor = await load(Buffer.from(workerData.model as Uint8Array));
    // Warm-up: the first inference compiles kernels and allocates; pay that before RUNNING.
    predictor.warm();
  } catch (e) {
    port.postMessage({ type: 'load-error', message: (e as Error).message } satisfies WorkerHello);
    return;
  }
  port.postMessage({
    type: 'ready', kind: predictor.kind, labels: predictor.labels, thresholds: predictor.assumedThresholds,
    inputSize: predictor.inputSize, loadMs: performance.now() - t0,
  } satisfies WorkerHello);

  port.on('message', async (req: WorkerRequest) => {
    const bytes = Buffer.from(req.bytes.buffer, req.bytes.byteOffset, req.bytes.byteLength);
    let reply: WorkerReply;
    try {
      const info = headerDimensions(bytes) ?? (await probeImage(bytes, { decode: false }));
      const bad = dimensionProblem(info.width, info.height);
      if (bad) {
        reply = { id: req.id, ok: false, ...bad };
      } else {
        const t = performance.now();
        const confidences = await predictor.run(bytes);
        reply = { id: req.id, ok: true, confidences, inferMs: performance.now() - t };
      }
    } catch (e) {
      if (!(e instanceof ImageError)) throw e; // a bug: crash the unit, the pool replaces it
      reply = { id: req.id, ok: false, check: e.code === 'UNSUPPORTED_FORMAT' ? 'FORMAT' : 'CORRUPT', message: e.message };
    }
    port.postMessage(reply, reply.ok ? [reply.confidences.buffer as ArrayBuffer] : []);
  });
}

void main();
