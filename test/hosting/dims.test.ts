// Header dimensions agree with sharp on every sample image and on progressive JPEGs; unreadable headers say so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { headerDimensions } from '../../src/domain/hosting/dims.js';
import { generateSampleImages } from '../../src/ml/sample-dataset.js';

test('PNG and JPEG (baseline, progressive, with EXIF) header dimensions match sharp', async () => {
  for (const img of await generateSampleImages({ count: 40, seed: 3 })) {
    assert.deepEqual(headerDimensions(img.bytes), { width: img.width, height: img.height }, img.path);
  }
  const base = sharp({ create: { width: 333, height: 77, channels: 3, background: '#123456' } });
  for (const bytes of [
    await base.clone().jpeg({ progressive: true }).toBuffer(),
    await base.clone().withMetadata({ orientation: 6 }).jpeg().toBuffer(),
    await base.clone().png({ palette: true }).toBuffer(),
  ]) {
    const meta = await sharp(bytes).metadata();
    assert.deepEqual(headerDimensions(bytes), { width: meta.width, height: meta.height });
  }
});

test('garbage, a GIF or a JPEG cut before its frame header give undefined', async () => {
  const jpeg = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#fff' } }).jpeg().toBuffer();
  assert.equal(headerDimensions(Buffer.from('hello world, not an image')), undefined);
  assert.equal(headerDimensions(Buffer.from('GIF89a\x10\x00\x10\x00', 'latin1')), undefined);
  assert.equal(headerDimensions(jpeg.subarray(0, 20)), undefined);
  assert.equal(headerDimensions(new Uint8Array(0)), undefined);
});
