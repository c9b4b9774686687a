/**
 * The detector network (CenterNet-style, "Objects as Points", Zhou et al. 2019, anchor-free): a small conv backbone
 * down to an output stride of 2^pools, a 3x3 head conv and a 1x1 output conv giving, per output cell, L centre-heatmap
 * logits and 4 regression values (centre offset x, y inside the cell; log box width, height in cells).
 * The backbone is either built here from `blocks` (trained from scratch) or the pretrained MobileNetV2 of the nsfwjs
 * package up to a stride-16 layer (`architecture.backbone`, frozen; only the head trains, on features computed once
 * per image: train.ts). `buildDetectorNetwork` builds either kind.
 */
import { tf } from '../backend.js';
import { normaliseInput } from '../network.js';
import type { DetectorArchitecture, DetectorBackboneCut } from '../model-format.js';
import { loadMobileNetV2 } from '../pretrained/mobilenet-v2.js';

export const DEFAULT_DETECTOR: DetectorArchitecture = {
  name: 'osprey-centernet',
  blocks: [{ filters: 16, down: 'stride' }, { filters: 32, down: 'pool' }, { filters: 64, down: 'pool' }, { filters: 64, down: 'none' }, { filters: 64, down: 'none' }],
  headFilters: 64,
  inputNorm: 'standardize',
};

/** Default input size (pixels per side) of the detector; the longer image side is scaled to it. */
export const DEFAULT_DETECTOR_INPUT = 96;

/**
 * The detector on the pretrained MobileNetV2 (training option `backbone: mobilenet-v2`): the backbone up to
 * `block_13_expand_relu` (576 channels at output stride 16: a 14×14 grid at 224 px), then the head. Its input takes
 * [0,1] pixels as they are (as the nsfwjs model does), so no standardisation.
 */
export const BACKBONE_DETECTOR: DetectorArchitecture = {
  name: 'osprey-centernet', blocks: [], headFilters: 64, inputNorm: 'none',
  backbone: { name: 'nsfwjs@4.4.0/mobilenet_v2', cut: 'block_13_expand_relu' },
};
/** Default input size of the detector on the backbone (the size MobileNetV2 was trained at). */
export const BACKBONE_DETECTOR_INPUT = 224;
/** Channels of each stride-16 backbone cut. */
export const BACKBONE_CHANNELS: Record<DetectorBackboneCut, number> = { block_13_expand_relu: 576, block_12_add: 96 };
const BACKBONE_STRIDE = 16;

/** Heatmap prior at initialisation (the focal-loss paper's π = 0.1): the bias of the heatmap logits. */
const HEAT_PRIOR_BIAS = -Math.log((1 - 0.1) / 0.1);

/** Input pixels per output cell. */
export const outputStride = (a: DetectorArchitecture) => a.backbone ? BACKBONE_STRIDE : 2 ** a.blocks.filter((b) => b.down !== 'none').length;

function backbone(model: tf.Sequential, a: DetectorArchitecture, inputSize: number, init: () => ReturnType<typeof tf.initializers.glorotUniform>): void {
  a.blocks.forEach((b, i) => {
    model.add(tf.layers.conv2d({
      ...(i === 0 ? { inputShape: [inputSize, inputSize, 3] } : {}),
      filters: b.filters, kernelSize: 3, strides: b.down === 'stride' ? 2 : 1, padding: 'same', activation: 'relu', kernelInitializer: init(), biasInitializer: 'zeros',
    }));
    if (b.down === 'pool') model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid' }));
  });
}

/** The 1×1 output conv (L heatmap logits + 4 regression values), its heatmap biases at the prior. */
function addOutput(model: tf.Sequential, numLabels: number, init: () => ReturnType<typeof tf.initializers.glorotUniform>): void {
  model.add(tf.layers.conv2d({ filters: numLabels + 4, kernelSize: 1, padding: 'same', kernelInitializer: init(), biasInitializer: 'zeros' }));
  // The heatmap channels start at the prior (bias -2.2), so the focal loss starts small and stable.
  const out = model.layers[model.layers.length - 1]!;
  const [kernel] = out.getWeights();
  out.setWeights([kernel!, tf.tensor1d([...Array.from({ length: numLabels }, () => HEAT_PRIOR_BIAS), 0, 0, 0, 0])]);
}

/**
 * Builds the from-scratch detector; `seed` makes the initial weights deterministic. Output: [batch, g, g, L + 4]
 * (raw logits). For an architecture with a pretrained backbone use buildDetectorNetwork.
 */
export function buildDetector(a: DetectorArchitecture, inputSize: number, numLabels: number, seed = 1): tf.Sequential {
  if (a.backbone) throw new Error('a detector on a pretrained backbone is built by buildDetectorNetwork');
  const model = tf.sequential();
  let k = 0;
  const init = () => tf.initializers.glorotUniform({ seed: seed * 1000 + k++ });
  backbone(model, a, inputSize, init);
  model.add(tf.layers.conv2d({ filters: a.headFilters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(), biasInitializer: 'zeros' }));
  addOutput(model, numLabels, init);
  return model;
}

/**
 * The head that sits on a pretrained backbone's grid ([g, g, C] in, [g, g, L + 4] out): 1×1 conv (headFilters) +
 * ReLU → 3×3 conv (headFilters) + ReLU → the output conv. It is what trains and what a model file stores.
 */
export function buildDetectorHead(a: DetectorArchitecture, grid: number, numLabels: number, seed = 1): tf.Sequential {
  if (!a.backbone) throw new Error('the architecture has no pretrained backbone');
  const model = tf.sequential();
  let k = 0;
  const init = () => tf.initializers.glorotUniform({ seed: seed * 1000 + k++ });
  model.add(tf.layers.conv2d({ inputShape: [grid, grid, BACKBONE_CHANNELS[a.backbone.cut]], filters: a.headFilters, kernelSize: 1, activation: 'relu', kernelInitializer: init(), biasInitializer: 'zeros' }));
  model.add(tf.layers.conv2d({ filters: a.headFilters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(), biasInitializer: 'zeros' }));
  addOutput(model, numLabels, init);
  return model;
}

/** The frozen pretrained backbone of `a` for inputSize² inputs (its output: the [g, g, C] grid the head reads). */
export async function loadDetectorBackbone(a: DetectorArchitecture, inputSize: number): Promise<tf.LayersModel> {
  if (!a.backbone) throw new Error('the architecture has no pretrained backbone');
  return loadMobileNetV2(a.backbone.cut, inputSize);
}

/**
 * Either kind of detector as one network from image to raw output (`net`), and the part whose weights a model file
 * stores and training changes (`stored`: the whole network from scratch; the head on a pretrained backbone).
 */
export async function buildDetectorNetwork(a: DetectorArchitecture, inputSize: number, numLabels: number, seed = 1): Promise<{ net: tf.LayersModel; stored: tf.LayersModel }> {
  if (!a.backbone) { const net = buildDetector(a, inputSize, numLabels, seed); return { net, stored: net }; }
  const base = await loadDetectorBackbone(a, inputSize);
  const head = buildDetectorHead(a, inputSize / BACKBONE_STRIDE, numLabels, seed);
  let x = base.outputs[0]!;
  for (const layer of head.layers) x = layer.apply(x) as tf.SymbolicTensor;
  return { net: tf.model({ inputs: base.inputs, outputs: x }), stored: head };
}

/** Forward pass with input normalisation; raw output [b, g, g, L + 4]. */
export function forwardDetector(net: tf.LayersModel, xs: tf.Tensor4D, a: DetectorArchitecture, training: boolean): tf.Tensor4D {
  const x = normaliseInput(xs, a.inputNorm);
  const out = (training ? net.apply(x, { training: true }) : net.predict(x)) as tf.Tensor4D;
  if (x !== xs) x.dispose();
  return out;
}
