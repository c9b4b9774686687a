// Hosting settings, read from the `hosting` section of the server config file (docs/inference.md).
export interface AutoscaleSettings {
  /** How often the control loop samples utilisation. */
  tickMs: number;
  /** Sustained load this long adds a unit (up to MaxInferenceUnits). */
  upAfterMs: number;
  /** Idleness this long retires a unit (down to MinInferenceUnits). */
  downAfterMs: number;
  /** Busy fraction at or above which a sample counts as load (a refusal or a queued request always does). */
  upUtilisation: number;
  /** Busy fraction at or below which a sample counts as idle. */
  downUtilisation: number;
}

export interface HostingSettings {
  /** Requests that may wait per inference unit before ProvisionedThroughputExceededException. */
  queuePerUnit: number;
  /** Inference units this server hosts at most, all models together (LimitExceededException beyond). */
  maxTotalUnits: number;
  autoscale: AutoscaleSettings;
}

export const DEFAULT_HOSTING: HostingSettings = {
  queuePerUnit: 8,
  maxTotalUnits: 16,
  autoscale: { tickMs: 1000, upAfterMs: 5000, downAfterMs: 60_000, upUtilisation: 0.8, downUtilisation: 0.2 },
};

function num(v: unknown, name: string, def: number, min: number, integer: boolean): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new Error(`hosting.${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${String(v)}`);
  return n;
}

/** Reads `config.hosting` (any missing value takes its default); throws on a bad value. */
export function hostingSettings(config: unknown): HostingSettings {
  const h = ((config as { hosting?: Record<string, unknown> }).hosting ?? {}) as Record<string, unknown>;
  const a = (h.autoscale ?? {}) as Record<string, unknown>;
  const d = DEFAULT_HOSTING;
  return {
    queuePerUnit: num(h.queuePerUnit, 'queuePerUnit', d.queuePerUnit, 0, true),
    maxTotalUnits: num(h.maxTotalUnits, 'maxTotalUnits', d.maxTotalUnits, 1, true),
    autoscale: {
      tickMs: num(a.tickMs, 'autoscale.tickMs', d.autoscale.tickMs, 10, true),
      upAfterMs: num(a.upAfterMs, 'autoscale.upAfterMs', d.autoscale.upAfterMs, 0, true),
      downAfterMs: num(a.downAfterMs, 'autoscale.downAfterMs', d.autoscale.downAfterMs, 0, true),
      upUtilisation: num(a.upUtilisation, 'autoscale.upUtilisation', d.autoscale.upUtilisation, 0, false),
      downUtilisation: num(a.downUtilisation, 'autoscale.downUtilisation', d.autoscale.downUtilisation, 0, false),
    },
  };
}
