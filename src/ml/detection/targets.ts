/**
 * Training targets and loss of the detector (CenterNet): per label a heatmap with an elliptical Gaussian peak of 1 at
 * each object's centre cell; at that cell the centre's offset inside the cell and log(width, height in cells).
 * Loss = penalty-reduced focal loss on the heatmap (α = 2, β = 4) + L1 on the four regression values at centre cells,
 * both divided by the number of objects.
 */
import { tf } from '../backend.js';
import type { RatioBox } from './letterbox.js';
import { ratiosToInputBox } from './letterbox.js';

/** One training or evaluation image. */
export interface DetectionExample {
  /** Letterboxed RGB floats in [0,1], HWC, inputSize² × 3 values (letterbox.ts). */
  image: Float32Array;
  /** Where the image lies in the input (input pixels). */
  lb: { scaledWidth: number; scaledHeight: number };
  /** Ground-truth boxes as ratios of the image, with label indices. */
  boxes: { label: number; box: RatioBox }[];
}

export interface Targets { heat: Float32Array; pos: Float32Array; reg: Float32Array; regMask: Float32Array; objects: number }

/** Gaussian spread of a centre peak, in cells: a share of the box side, never below MIN_SIGMA. */
const SIGMA_SHARE = 0.15, MIN_SIGMA = 0.4;

/**
 * Writes the targets of example `e` at batch position j. `flip` mirrors the boxes inside the scaled region (the image
 * was mirrored the same way).
 */
export function writeTargets(t: Targets, j: number, e: DetectionExample, grid: number, stride: number, L: number, flip: boolean): void {
  const cells = grid * grid;
  for (const { label, box } of e.boxes) {
    let [x0, y0, x1, y1] = ratiosToInputBox(box, e.lb);
    if (flip) [x0, x1] = [e.lb.scaledWidth - x1, e.lb.scaledWidth - x0];
    const wc = (x1 - x0) / stride, hc = (y1 - y0) / stride;
    const cx = (x0 + x1) / 2 / stride, cy = (y0 + y1) / 2 / stride;
    const ci = Math.min(grid - 1, Math.max(0, Math.floor(cx))), cj = Math.min(grid - 1, Math.max(0, Math.floor(cy)));
    const sx = Math.max(MIN_SIGMA, wc * SIGMA_SHARE), sy = Math.max(MIN_SIGMA, hc * SIGMA_SHARE);
    for (let y = 0; y < grid; y++) {
      const dy = (y - cj) ** 2 / (2 * sy * sy);
      if (dy > 9) continue;
      for (let x = 0; x < grid; x++) {
        const v = Math.exp(-((x - ci) ** 2 / (2 * sx * sx)) - dy);
        const k = (j * cells + y * grid + x) * L + label;
        if (v > t.heat[k]!) t.heat[k] = v;
      }
    }
    const c = j * cells + cj * grid + ci;
    t.heat[c * L + label] = 1;
    if (!t.pos[c * L + label]) t.objects++;
    t.pos[c * L + label] = 1;
    t.reg.set([cx - ci, cy - cj, Math.log(Math.max(wc, 1e-3)), Math.log(Math.max(hc, 1e-3))], c * 4);
    t.regMask[c] = 1;
  }
}

export function allocTargets(batch: number, grid: number, L: number): Targets {
  const cells = batch * grid * grid;
  return { heat: new Float32Array(cells * L), pos: new Float32Array(cells * L), reg: new Float32Array(cells * 4), regMask: new Float32Array(cells), objects: 0 };
}

export function resetTargets(t: Targets): void {
  t.heat.fill(0); t.pos.fill(0); t.reg.fill(0); t.regMask.fill(0); t.objects = 0;
}

/** The loss of a batch; `out` is the raw network output [b, g, g, L + 4]. */
export function detectionLoss(out: tf.Tensor4D, t: { heat: tf.Tensor4D; pos: tf.Tensor4D; reg: tf.Tensor4D; regMask: tf.Tensor4D }, objects: number): tf.Scalar {
  return tf.tidy(() => {
    const [b, g, , C] = out.shape;
    const L = C - 4;
    const logits = tf.slice(out, [0, 0, 0, 0], [b, g, g, L]);
    const reg = tf.slice(out, [0, 0, 0, L], [b, g, g, 4]);
    const p = tf.clipByValue(tf.sigmoid(logits), 1e-4, 1 - 1e-4);
    const posLoss = tf.sum(tf.mul(tf.mul(t.pos, tf.square(tf.sub(1, p))), tf.log(p)));
    const negWeight = tf.mul(tf.sub(1, t.pos), tf.pow(tf.sub(1, t.heat), 4));
    const negLoss = tf.sum(tf.mul(tf.mul(negWeight, tf.square(p)), tf.log(tf.sub(1, p))));
    const n = Math.max(1, objects);
    const focal = tf.div(tf.neg(tf.add(posLoss, negLoss)), n);
    const l1 = tf.div(tf.sum(tf.mul(tf.abs(tf.sub(reg, t.reg)), t.regMask)), n);
    return tf.add(focal, l1) as tf.Scalar;
  });
}
