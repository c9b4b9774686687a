/**
 * The detector network (CenterNet-style, "Objects as Points", Zhou et al. 2019, anchor-free): a small conv backbone
 * down to an output stride of 2^pools, a 3x3 head conv and a 1x1 output conv giving, per output cell, L centre-heatmap
 * logits and 4 regression values (centre offset x, y inside the cell; log box width, height in cells).
 * The backbone is the part a pretrained network could replace later: only `backbone` builds it.
 */
import { tf } from '../backend.js';
import { normaliseInput } from '../network.js';
import type { DetectorArchitecture } from '../model-format.js';

export const DEFAULT_DETECTOR: DetectorArchitecture = {
  name: 'osprey-centernet',
  blocks: [{ filters: 16, down: 'stride' }, { filters: 32, down: 'pool' }, { filters: 64, down: 'pool' }, { filters: 64, down: 'none' }, { filters: 64, down: 'none' }],
  headFilters: 64,
  inputNorm: 'standardize',
};

/** Default input size (pixels per side) of the detector; the longer image side is scaled to it. */
export const DEFAULT_DETECTOR_INPUT = 96;

/** Heatmap prior at initialisation (the focal-loss paper's π = 0.1): the bias of the heatmap logits. */
const HEAT_PRIOR_BIAS = -Math.log((1 - 0.1) / 0.1);

export const outputStride = (a: DetectorArchitecture) => 2 ** a.blocks.filter((b) => b.down !== 'none').length;

function backbone(model: tf.Sequential, a: DetectorArchitecture, inputSize: number, init: () => ReturnType<typeof tf.initializers.glorotUniform>): void {
  a.blocks.forEach((b, i) => {
    model.add(tf.layers.conv2d({
      ...(i === 0 ? { inputShape: [inputSize, inputSize, 3] } : {}),
      filters: b.filters, kernelSize: 3, strides: b.down === 'stride' ? 2 : 1, padding: 'same', activation: 'relu', kernelInitializer: init(), biasInitializer: 'zeros',
    }));
    if (b.down === 'pool') model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid' }));
  });
}

/** Builds the detector; `seed` makes the initial weights deterministic. Output: [batch, g, g, L + 4] (raw logits). */
export function buildDetector(a: DetectorArchitecture, inputSize: number, numLabels: number, seed = 1): tf.Sequential {
  const model = tf.sequential();
  let k = 0;
  const init = () => tf.initializers.glorotUniform({ seed: seed * 1000 + k++ });
  backbone(model, a, inputSize, init);
  model.add(tf.layers.conv2d({ filters: a.headFilters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(), biasInitializer: 'zeros' }));
  const bias = [...Array.from({ length: numLabels }, () => HEAT_PRIOR_BIAS), 0, 0, 0, 0];
  model.add(tf.layers.conv2d({
    filters: numLabels + 4, kernelSize: 1, padding: 'same', kernelInitializer: init(),
    biasInitializer: 'zeros',
  }));
  // The heatmap channels start at the prior (bias -2.2), so the focal loss starts small and stable.
  const out = model.layers[model.layers.length - 1]!;
  const [kernel] = out.getWeights();
  out.setWeights([kernel!, tf.tensor1d(bias)]);
  return model;
}

/** Forward pass with input normalisation; raw output [b, g, g, L + 4]. */
export function forwardDetector(net: tf.LayersModel, xs: tf.Tensor4D, a: DetectorArchitecture, training: boolean): tf.Tensor4D {
  const x = normaliseInput(xs, a.inputNorm);
  const out = (training ? net.apply(x, { training: true }) : net.predict(x)) as tf.Tensor4D;
  if (x !== xs) x.dispose();
  return out;
}
