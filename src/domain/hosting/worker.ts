// One inference unit: a worker thread that holds one loaded model and answers one image at a time.
// It checks the image (format, dimensions, a full decode that catches truncation) and predicts; the
// main thread only routes bytes, so a slow decode never stalls the HTTP event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { loadPredictor } from '../../ml/predict.js';
import { ImageError, imageToInput, probeImage } from '../../ml/image.js';
import { headerDimensions } from './dims.js';
import { IMAGE_LIMITS, type ImageCheck } from './limits.js';

export type WorkerRequest = { id: number; bytes: Uint8Array };
export type WorkerReply =
  | { id: number; ok: true; confidences: Float32Array; inferMs: number }
  | { id: number; ok: false; check: ImageCheck; message: string };
export type WorkerHello =
  | { type: 'ready'; labels: string[]; thresholds: number[]; inputSize: number; loadMs: number }
  | { type: 'load-error'; message: string };

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
  let predictor: Awaited<ReturnType<typeof loadPredictor>>;
  try {
    predictor = await loadPredictor(Buffer.from(workerData.model as Uint8Array));
    // Warm-up: the first inference compiles kernels and allocates; pay that before RUNNING.
    predictor.predict(new Float32Array(predictor.inputSize * predictor.inputSize * 3));
  } catch (e) {
    port.postMessage({ type: 'load-error', message: (e as Error).message } satisfies WorkerHello);
    return;
  }
  port.postMessage({
    type: 'ready', labels: predictor.labels, thresholds: predictor.assumedThresholds,
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
        const input = await imageToInput(bytes, predictor.inputSize);
        const t = performance.now();
        const confidences = predictor.predict(input);
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
