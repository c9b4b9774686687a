// Manifest-wide rules (spec §8.4): the terminal errors that fail a whole dataset or training run,
// as opposed to the per-line errors of manifest.ts.
import type { DatasetEntryRecord } from '../../storage/ports.js';
import { isError, isUsable, parseLine, type ParsedLine } from './manifest.js';

export interface TerminalError { code: string; message: string }

export const LIMITS = {
  maxManifestBytes: 1024 ** 3,
  maxLines: 250_000,
  /** More than this fraction of invalid lines (all rules together) fails the manifest. */
  maxInvalidFraction: 0.2,
  maxLabels: 250,
};

/** Splits JSON Lines text; a final newline does not make an extra (blank) line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Parses a manifest, or returns the terminal error that stops it before any line is looked at. */
export function parseManifest(bytes: Buffer): { lines: ParsedLine[] } | { terminal: TerminalError } {
  if (bytes.length > LIMITS.maxManifestBytes) {
    return { terminal: { code: 'ERROR_MANIFEST_SIZE_TOO_LARGE', message: `The manifest file is larger than the maximum of ${LIMITS.maxManifestBytes} bytes.` } };
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '') return { terminal: { code: 'ERROR_EMPTY_MANIFEST', message: 'The manifest file is empty.' } };
  const raw = splitLines(text);
  if (raw.length > LIMITS.maxLines) {
    return { terminal: { code: 'ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM', message: `The manifest file has ${raw.length} lines; the maximum is ${LIMITS.maxLines}.` } };
  }
  return { lines: raw.map(parseLine) };
}

/** The rules checked once every line has been validated (images included). */
export function checkLines(lines: ParsedLine[]): TerminalError | undefined {
  if (lines.length === 0) return { code: 'ERROR_EMPTY_MANIFEST', message: 'The manifest file is empty.' };
  const invalid = lines.filter((l) => !isUsable(l)).length;
  if (invalid > lines.length * LIMITS.maxInvalidFraction) {
    return {
      code: 'ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST',
      message: `The manifest file contains too many invalid rows: ${invalid} of ${lines.length} lines are invalid (at most ${LIMITS.maxInvalidFraction * 100}% may be).`,
    };
  }
  const buckets = new Set(lines.filter((l) => l.bucket).map((l) => l.bucket));
  if (buckets.size > 1) {
    return { code: 'ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS', message: `The images are in more than one bucket (${[...buckets].slice(0, 3).join(', ')}); all images must be in the same bucket.` };
  }
  const labels = new Set(lines.filter(isUsable).flatMap((l) => Object.keys(l.labels)));
  if (labels.size > LIMITS.maxLabels) {
    return { code: 'ERROR_MANIFEST_TOO_MANY_LABELS', message: `The manifest has ${labels.size} labels; the maximum is ${LIMITS.maxLabels}.` };
  }
  return undefined;
}

/** The dataset entry a line becomes; undefined for a line that names no image (it cannot be stored). */
export function toEntry(p: ParsedLine): DatasetEntryRecord | undefined {
  if (!p.sourceRef || !p.object) return undefined;
  return {
    sourceRef: p.sourceRef, line: JSON.stringify(p.object), labeled: p.labeled,
    hasErrors: p.errors.some(isError), labels: p.labels,
  };
}
