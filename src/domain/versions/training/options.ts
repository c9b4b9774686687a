// Training hyperparameters. AWS exposes none; Osprey lets the operator set them in the config
// file (`training: {…}`) or OSPREY_TRAINING_* variables. Unset values use src/ml's defaults.
export type Backbone = 'none' | 'mobilenet-v2';

export interface TrainingOptions {
  epochs?: number;
  inputSize?: number;
  batchSize?: number;
  learningRate?: number;
  seed: number;
  augmentFlip: boolean;
  /**
   * 'mobilenet-v2': train on the pretrained backbone (docs/ml.md); 'none': the network from scratch.
   * Unset: each use case's measured default (backboneFor).
   */
  backbone?: Backbone;
  /** With a backbone: 'fine-tuned' (default) or 'frozen'. */
  transferVariant?: 'frozen' | 'fine-tuned';
  /** Re-runs of a training interrupted by a crash before it is failed. */
  maxAttempts: number;
}

const ENV: Record<string, keyof TrainingOptions> = {
  OSPREY_TRAINING_EPOCHS: 'epochs', OSPREY_TRAINING_INPUT_SIZE: 'inputSize', OSPREY_TRAINING_BATCH_SIZE: 'batchSize',
  OSPREY_TRAINING_LEARNING_RATE: 'learningRate', OSPREY_TRAINING_SEED: 'seed', OSPREY_TRAINING_AUGMENT_FLIP: 'augmentFlip',
  OSPREY_TRAINING_MAX_ATTEMPTS: 'maxAttempts', OSPREY_TRAINING_BACKBONE: 'backbone', OSPREY_TRAINING_TRANSFER_VARIANT: 'transferVariant',
};

export function trainingOptions(fromConfig: unknown, env: NodeJS.ProcessEnv = process.env): TrainingOptions {
  const file = (typeof fromConfig === 'object' && fromConfig !== null ? fromConfig : {}) as Record<string, unknown>;
  const raw: Record<string, unknown> = { ...file };
  for (const [name, key] of Object.entries(ENV)) if (env[name]) raw[key] = env[name];
  const num = (k: keyof TrainingOptions, min: number, max: number, integer = true): number | undefined => {
    if (raw[k] === undefined) return undefined;
    const n = Number(raw[k]);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new Error(`training.${k} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${String(raw[k])}`);
    }
    return n;
  };
  const oneOf = <T extends string>(k: keyof TrainingOptions, values: readonly T[]): T | undefined => {
    if (raw[k] === undefined) return undefined;
    if (!values.includes(raw[k] as T)) throw new Error(`training.${k} must be one of ${values.join(', ')}, got ${String(raw[k])}`);
    return raw[k] as T;
  };
  return {
    epochs: num('epochs', 1, 1000), inputSize: num('inputSize', 16, 512), batchSize: num('batchSize', 1, 1024),
    learningRate: num('learningRate', 1e-6, 1, false), seed: num('seed', 0, 2 ** 31) ?? 1,
    augmentFlip: raw.augmentFlip === true || raw.augmentFlip === 'true' || raw.augmentFlip === '1',
    maxAttempts: num('maxAttempts', 1, 10) ?? 2,
    backbone: oneOf('backbone', ['none', 'mobilenet-v2'] as const),
    transferVariant: oneOf('transferVariant', ['frozen', 'fine-tuned'] as const),
  };
}

/**
 * The backbone a training uses. Defaults, decided by measurement (docs/ml.md, docs/detection.md):
 * object detection trains on the pretrained MobileNetV2 (F1 0.98 against 0.78 from scratch on the
 * generated scenes, in half the training time); classification trains from scratch (the backbone costs
 * tens of times more per DetectCustomLabels image, and is opt-in for few-shot photographs).
 */
export function backboneFor(options: TrainingOptions, useCase: 'classification' | 'detection'): Backbone {
  return options.backbone ?? (useCase === 'detection' ? 'mobilenet-v2' : 'none');
}
