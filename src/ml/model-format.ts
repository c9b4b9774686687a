/**
 * Osprey model file: ONE immutable Buffer.
 *
 *   bytes 0..7    magic "OSPREYM1"
 *   bytes 8..11   uint32 LE: length H of the JSON header
 *   bytes 12..    H bytes of UTF-8 JSON (ModelHeader), then zero padding to a multiple of 4
 *   then          the raw weights: float32 little-endian, concatenated in header.weights order
 *
 * The header carries a SHA-256 of the weight bytes, so any truncation or corruption is detected on load. Keys are
 * written in a fixed order and nothing time-dependent is stored, so the same weights and metadata always give the same
 * bytes.
 */
import { createHash } from 'node:crypto';

export const MODEL_MAGIC = 'OSPREYM1';
export const MODEL_FORMAT_VERSION = 1;

export interface Architecture {
  /** Architecture family; only 'osprey-cnn' exists. */
  name: 'osprey-cnn';
  /** Filters of each 3x3 'same' conv + ReLU + 2x2 max-pool block. */
  convFilters: number[];
  /** How the last feature map becomes a vector. */
  head: 'flatten' | 'gap';
  /** Hidden dense units before the output layer (0 = none). */
  dense: number;
  /** Dropout before the output layer, training only. */
  dropout: number;
  /** Input normalisation before the first layer (see network.ts). */
  inputNorm: 'standardize' | 'none';
}

/**
 * The object detector (src/ml/detection/): a CenterNet-style one-stage, anchor-free network. A backbone of 3x3 'same'
 * conv + ReLU blocks, each downsampling by 2 or not ('stride': the conv has stride 2; 'pool': a 2x2 max-pool follows;
 * 'none'), so the output stride is 2^(downsampling blocks), one 3x3 head conv +
 * ReLU and a 1x1 output conv with L + 4 channels per cell: L centre-heatmap logits, then the centre's offset inside
 * the cell (x, y) and log(box width, height in cells).
 */
export interface DetectorArchitecture {
  name: 'osprey-centernet';
  /** The from-scratch backbone's blocks (empty when `backbone` is set). */
  blocks: { filters: number; down: 'stride' | 'pool' | 'none' }[];
  headFilters: number;
  inputNorm: 'standardize' | 'none';
  /**
   * A pretrained backbone instead of `blocks` (src/ml/detection/backbone.ts): the MobileNetV2 of the nsfwjs package up
   * to the Keras layer `cut` (output stride 16), frozen; its weights come from the package at load time and are not
   * stored in the model file. The head is then 1×1 conv (headFilters) + ReLU → 3×3 conv (headFilters) + ReLU → 1×1.
   */
  backbone?: { name: 'nsfwjs@4.4.0/mobilenet_v2'; cut: DetectorBackboneCut };
}

/** MobileNetV2 layers at output stride 16 a detector head can sit on (channels: 576 and 96). */
export type DetectorBackboneCut = 'block_13_expand_relu' | 'block_12_add';

/** Any network a model file can hold: a classifier (from scratch or on the pretrained backbone) or a detector. */
export type ModelArchitecture = Architecture | DetectorArchitecture | TransferArchitecture;

export const isDetector = (a: ModelArchitecture): a is DetectorArchitecture => a.name === 'osprey-centernet';

/**
 * A classifier on the pretrained MobileNetV2 of the `nsfwjs` npm package (src/ml/pretrained/): the backbone's
 * weights come from that package at load time and are NOT stored in the model file; the file holds the head
 * (1×1 conv 320→1280 + ReLU6 + global average pool + dense), see pretrained/transfer.ts.
 */
export interface TransferArchitecture {
  name: 'mobilenet-v2-transfer';
  backbone: 'nsfwjs@4.4.0/mobilenet_v2';
  /** Keras layer whose output feeds the head. */
  cut: 'block_16_project_BN';
  /** Whether the head's 1×1 conv was trained ('fine-tuned') or kept at its pretrained weights ('frozen'). */
  variant: 'frozen' | 'fine-tuned';
  /** The backbone takes [0,1] pixels as they are. */
  inputNorm: 'none';
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface ModelHeader {
  formatVersion: number;
  architecture: ModelArchitecture;
  inputSize: number;
  labels: string[];
  /** Per-label assumed thresholds, 0..1 (DetectCustomLabels' default filter when MinConfidence is absent). */
  assumedThresholds: number[];
  multiLabel: boolean;
  weights: WeightSpec[];
  weightsByteLength: number;
  weightsSha256: string;
}

export interface ModelContents {
  architecture: ModelArchitecture;
  inputSize: number;
  labels: string[];
  assumedThresholds: number[];
  multiLabel: boolean;
  weights: { name: string; shape: number[]; values: Float32Array }[];
}

export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError';
}

function canonicalArchitecture(a: ModelArchitecture): ModelArchitecture {
  if (isDetector(a)) {
    return {
      name: a.name, blocks: a.blocks.map((b) => ({ filters: b.filters, down: b.down })), headFilters: a.headFilters, inputNorm: a.inputNorm,
      ...(a.backbone ? { backbone: { name: a.backbone.name, cut: a.backbone.cut } } : {}),
    };
  }
  if (a.name === 'mobilenet-v2-transfer') {
    return { name: a.name, backbone: a.backbone, cut: a.cut, variant: a.variant, inputNorm: a.inputNorm };
  }
  return { name: a.name, convFilters: [...a.convFilters], head: a.head, dense: a.dense, dropout: a.dropout, inputNorm: a.inputNorm };
}

function canonicalHeader(h: ModelHeader): ModelHeader {
  return {
    formatVersion: h.formatVersion,
    architecture: canonicalArchitecture(h.architecture),
    inputSize: h.inputSize,
    labels: [...h.labels],
    assumedThresholds: [...h.assumedThresholds],
    multiLabel: h.multiLabel,
    weights: h.weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: w.dtype })),
    weightsByteLength: h.weightsByteLength,
    weightsSha256: h.weightsSha256,
  };
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function serializeModel(m: ModelContents): Buffer {
  validateMeta(m);
  let total = 0;
  for (const w of m.weights) {
    if (w.values.length !== sizeOf(w.shape)) {
      throw new ModelFormatError(`weight ${w.name}: ${w.values.length} values for shape [${w.shape}]`);
    }
    total += w.values.length * 4;
  }
  const weightBytes = Buffer.alloc(total);
  let off = 0;
  for (const w of m.weights) {
    for (let i = 0; i < w.values.length; i++, off += 4) weightBytes.writeFloatLE(w.values[i]!, off);
  }
  const header = canonicalHeader({
    formatVersion: MODEL_FORMAT_VERSION,
    architecture: m.architecture,
    inputSize: m.inputSize,
    labels: m.labels,
    assumedThresholds: m.assumedThresholds,
    multiLabel: m.multiLabel,
    weights: m.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' as const })),
    weightsByteLength: total,
    weightsSha256: createHash('sha256').update(weightBytes).digest('hex'),
  });
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - ((12 + json.length) % 4)) % 4;
  const prefix = Buffer.alloc(12);
  prefix.write(MODEL_MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(json.length, 8);
  return Buffer.concat([prefix, json, Buffer.alloc(pad), weightBytes]);
}

function validateMeta(m: Omit<ModelContents, 'weights'>): void {
  const a = m.architecture;
  if (a && a.name === 'osprey-centernet') return validateDetector(m as Omit<ModelContents, 'weights'> & { architecture: DetectorArchitecture });
  const t = m.architecture as TransferArchitecture | undefined;
  if (t && t.name === 'mobilenet-v2-transfer') {
    if (t.backbone !== 'nsfwjs@4.4.0/mobilenet_v2' || t.cut !== 'block_16_project_BN' || (t.variant !== 'frozen' && t.variant !== 'fine-tuned') || t.inputNorm !== 'none') {
      throw new ModelFormatError('bad mobilenet-v2-transfer architecture');
    }
    if (!Number.isInteger(m.inputSize) || m.inputSize < 32 || m.inputSize > 1024) throw new ModelFormatError('inputSize must be an integer in 32..1024');
    validateLabels(m);
    return;
  }
  if (!a || a.name !== 'osprey-cnn') throw new ModelFormatError('unknown architecture');
  if (!Array.isArray(a.convFilters) || !a.convFilters.every((f) => Number.isInteger(f) && f > 0)) {
    throw new ModelFormatError('architecture.convFilters must be positive integers');
  }
  if (a.head !== 'flatten' && a.head !== 'gap') throw new ModelFormatError('architecture.head must be flatten or gap');
  if (!Number.isInteger(a.dense) || a.dense < 0) throw new ModelFormatError('architecture.dense must be an integer >= 0');
  if (typeof a.dropout !== 'number' || a.dropout < 0 || a.dropout >= 1) throw new ModelFormatError('architecture.dropout must be in [0,1)');
  if (a.inputNorm !== 'standardize' && a.inputNorm !== 'none') throw new ModelFormatError('architecture.inputNorm must be standardize or none');
  if (!Number.isInteger(m.inputSize) || m.inputSize < 8 || m.inputSize > 1024) throw new ModelFormatError('inputSize must be an integer in 8..1024');
  if (Math.floor(m.inputSize / 2 ** a.convFilters.length) < 1) throw new ModelFormatError('inputSize too small for the number of conv blocks');
  validateLabels(m);
}

function validateDetector(m: Omit<ModelContents, 'weights'> & { architecture: DetectorArchitecture }): void {
  const a = m.architecture;
  if (a.backbone !== undefined) {
    if (!a.backbone || a.backbone.name !== 'nsfwjs@4.4.0/mobilenet_v2' || !['block_13_expand_relu', 'block_12_add'].includes(a.backbone.cut)) {
      throw new ModelFormatError('architecture.backbone must be nsfwjs@4.4.0/mobilenet_v2 cut at block_13_expand_relu or block_12_add');
    }
    if (!Array.isArray(a.blocks) || a.blocks.length !== 0) throw new ModelFormatError('a detector on a pretrained backbone has no blocks');
    if (!Number.isInteger(a.headFilters) || a.headFilters < 1) throw new ModelFormatError('architecture.headFilters must be a positive integer');
    if (a.inputNorm !== 'none') throw new ModelFormatError('the pretrained backbone takes inputNorm none');
    if (!Number.isInteger(m.inputSize) || m.inputSize < 32 || m.inputSize > 1024 || m.inputSize % 16 !== 0) {
      throw new ModelFormatError('inputSize must be a multiple of 16 in 32..1024');
    }
    if (m.multiLabel !== false) throw new ModelFormatError('a detector is never multi-label');
    validateLabels(m);
    return;
  }
  if (!Array.isArray(a.blocks) || a.blocks.length < 1 || !a.blocks.every((b) => b && Number.isInteger(b.filters) && b.filters > 0 && ['stride', 'pool', 'none'].includes(b.down))) {
    throw new ModelFormatError('architecture.blocks must be {filters > 0, down: stride|pool|none} objects');
  }
  if (!Number.isInteger(a.headFilters) || a.headFilters < 1) throw new ModelFormatError('architecture.headFilters must be a positive integer');
  if (a.inputNorm !== 'standardize' && a.inputNorm !== 'none') throw new ModelFormatError('architecture.inputNorm must be standardize or none');
  if (!Number.isInteger(m.inputSize) || m.inputSize < 8 || m.inputSize > 1024) throw new ModelFormatError('inputSize must be an integer in 8..1024');
  const stride = 2 ** a.blocks.filter((b) => b.down !== 'none').length;
  if (m.inputSize % stride !== 0) throw new ModelFormatError(`inputSize must be a multiple of the output stride ${stride}`);
  if (m.multiLabel !== false) throw new ModelFormatError('a detector is never multi-label');
  validateLabels(m);
}

function validateLabels(m: Omit<ModelContents, 'weights'>): void {
  if (!Array.isArray(m.labels) || m.labels.length < 1 || !m.labels.every((l) => typeof l === 'string' && l.length > 0)) {
    throw new ModelFormatError('labels must be non-empty strings');
  }
  if (new Set(m.labels).size !== m.labels.length) throw new ModelFormatError('labels must be unique');
  if (!Array.isArray(m.assumedThresholds) || m.assumedThresholds.length !== m.labels.length ||
      !m.assumedThresholds.every((t) => typeof t === 'number' && t >= 0 && t <= 1)) {
    throw new ModelFormatError('assumedThresholds must be one number in [0,1] per label');
  }
  if (typeof m.multiLabel !== 'boolean') throw new ModelFormatError('multiLabel must be a boolean');
}

/** Read the header only (cheap; no weight copy). Validates the framing and the checksum. */
export function readModelHeader(buf: Buffer): ModelHeader {
  if (!Buffer.isBuffer(buf)) throw new ModelFormatError('model must be a Buffer');
  if (buf.length < 12) throw new ModelFormatError(`model truncated: ${buf.length} bytes`);
  if (buf.toString('latin1', 0, 8) !== MODEL_MAGIC) throw new ModelFormatError('not an Osprey model (bad magic)');
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length) throw new ModelFormatError('model truncated inside the header');
  let header: ModelHeader;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + hlen)) as ModelHeader;
  } catch {
    throw new ModelFormatError('model header is not valid JSON');
  }
  if (typeof header !== 'object' || header === null) throw new ModelFormatError('model header is not an object');
  if (header.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new ModelFormatError(`unsupported model format version ${String(header.formatVersion)}`);
  }
  validateMeta(header);
  if (!Array.isArray(header.weights)) throw new ModelFormatError('weights missing from header');
  let total = 0;
  for (const w of header.weights) {
    if (!w || typeof w.name !== 'string' || !Array.isArray(w.shape) || w.dtype !== 'float32' ||
        !w.shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ModelFormatError('bad weight spec in header');
    }
    total += sizeOf(w.shape) * 4;
  }
  if (total !== header.weightsByteLength) throw new ModelFormatError('weight specs do not match weightsByteLength');
  const start = weightsOffset(hlen);
  if (buf.length !== start + total) {
    throw new ModelFormatError(
      buf.length < start + total
        ? `model truncated: ${buf.length} bytes, expected ${start + total}`
        : `model has ${buf.length - start - total} trailing bytes`,
    );
  }
  const sha = createHash('sha256').update(buf.subarray(start)).digest('hex');
  if (sha !== header.weightsSha256) throw new ModelFormatError('model weights are corrupt (checksum mismatch)');
  return header;
}

function weightsOffset(hlen: number): number {
  return 12 + hlen + ((4 - ((12 + hlen) % 4)) % 4);
}

export function deserializeModel(buf: Buffer): ModelContents {
  const header = readModelHeader(buf);
  let off = weightsOffset(buf.readUInt32LE(8));
  const weights = header.weights.map((w) => {
    const n = sizeOf(w.shape);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++, off += 4) values[i] = buf.readFloatLE(off);
    return { name: w.name, shape: [...w.shape], values };
  });
  return {
    architecture: header.architecture,
    inputSize: header.inputSize,
    labels: header.labels,
    assumedThresholds: header.assumedThresholds,
    multiLabel: header.multiLabel,
    weights,
  };
}

/** A new model Buffer identical to `buf` except for the assumed thresholds (e.g. chosen on the test set). */
export function withAssumedThresholds(buf: Buffer, thresholds: number[]): Buffer {
  const m = deserializeModel(buf);
  return serializeModel({ ...m, assumedThresholds: thresholds });
}
