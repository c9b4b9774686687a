/**
 * Logo detection on real photographs (scripts/real-photos.ts's detection set: 1–3 of 8 brand logos composited onto the
 * mate-backgrounds photographs; 200 training and 60 test images, test images on photographs no training image uses):
 * the detector trained from scratch against the detector on the pretrained MobileNetV2 backbone, the same data and
 * seed, in one run. Prints aggregate F1 / precision / recall at IoU 0.5, mAP@0.5, training time and detection time per
 * image, with the load average. Called by bench/real-photos.ts (`--tasks detection`); library level (no server), as
 * the classification part is.
 */
import os from 'node:os';
import { buildLogoDetectionSet, LOGO_LABELS, type PhotoImage } from '../scripts/real-photos.js';
import { letterbox } from '../src/ml/detection/letterbox.js';
import { trainDetector } from '../src/ml/detection/train.js';
import { detectBatch } from '../src/ml/detection/predict.js';
import { evaluateDetection } from '../src/ml/detection/evaluate.js';
import { BACKBONE_DETECTOR_INPUT, DEFAULT_DETECTOR_INPUT } from '../src/ml/detection/network.js';

const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

export async function detectionBench(o: { seed: number; epochsScratch: number; epochsBackbone: number; train?: number; test?: number }): Promise<void> {
  const labels = [...LOGO_LABELS] as string[];
  let t = Date.now();
  const set = await buildLogoDetectionSet({ train: o.train ?? 200, test: o.test ?? 60 });
  console.log(`detection set: ${set.length} images built in ${Date.now() - t} ms  [load ${load()}]`);
  const boxes = (s: PhotoImage) => s.labels.map((l) => ({ label: labels.indexOf(l.label), box: { left: l.box!.left / s.width, top: l.box!.top / s.height, width: l.box!.width / s.width, height: l.box!.height / s.height } }));
  const examples = async (images: PhotoImage[], size: number) => Promise.all(images.map(async (s) => { const lb = await letterbox(s.bytes, size); return { image: lb.input, lb, boxes: boxes(s) }; }));
  const rows: { method: string; f1: number; p: number; r: number; map: number; trainS: number; detectMs: number }[] = [];
  for (const [method, backbone, size, epochs] of [
    ['scratch', 'none', DEFAULT_DETECTOR_INPUT, o.epochsScratch], ['mobilenet-v2', 'mobilenet-v2', BACKBONE_DETECTOR_INPUT, o.epochsBackbone],
  ] as const) {
    const train = await examples(set.filter((s) => s.split === 'train'), size);
    const test = await examples(set.filter((s) => s.split === 'test'), size);
    t = Date.now();
    const r = await trainDetector({ examples: train, labelNames: labels, inputSize: size, epochs, seed: o.seed, backbone });
    const trainS = (Date.now() - t) / 1000;
    t = Date.now();
    const preds = await detectBatch(r.model, test);
    const detectMs = (Date.now() - t) / test.length;
    const ev = evaluateDetection({ labels, groundTruth: test.map((e) => e.boxes), predictions: preds }).aggregate;
    rows.push({ method, f1: ev.F1Score, p: ev.Precision, r: ev.Recall, map: ev.AveragePrecision, trainS, detectMs });
    console.log(`detection ${method} (${size} px, ${epochs} epochs, ${train.length} training images): F1 ${ev.F1Score.toFixed(3)} at IoU 0.5, ` +
      `P ${ev.Precision.toFixed(3)} R ${ev.Recall.toFixed(3)}, mAP@0.5 ${ev.AveragePrecision.toFixed(3)}, training ${trainS.toFixed(0)} s, ` +
      `detection ${detectMs.toFixed(1)} ms/image (batched)  [load ${load()}]`);
  }
  console.log('\ndetector | F1 @ IoU 0.5 | vs scratch | precision | recall | mAP@0.5 | training s | ms/image');
  for (const r of rows) console.log(`${r.method} | ${r.f1.toFixed(3)} | ${(r.f1 / Math.max(1e-9, rows[0]!.f1)).toFixed(2)}× | ${r.p.toFixed(3)} | ${r.r.toFixed(3)} | ${r.map.toFixed(3)} | ${r.trainS.toFixed(0)} | ${r.detectMs.toFixed(1)}`);
}
