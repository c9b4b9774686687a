import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { ImageError, imageToInput, probeImage } from '../../src/ml/image.js';

async function solid(w: number, h: number, fmt: 'jpeg' | 'png' | 'gif', channels: 1 | 3 | 4 = 3): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * channels);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37) % 256;
  const s = sharp(raw, { raw: { width: w, height: h, channels } });
  return fmt === 'jpeg' ? s.jpeg().toBuffer() : fmt === 'png' ? s.png().toBuffer() : s.gif().toBuffer();
}

async function rejectsWith(p: Promise<unknown>, code: string) {
  await assert.rejects(p, (e: unknown) => e instanceof ImageError && e.code === code);
}

test('probeImage reports format and dimensions, including tiny images', async () => {
  assert.deepEqual(await probeImage(await solid(10, 7, 'png')), { format: 'png', width: 10, height: 7 });
  assert.deepEqual(await probeImage(await solid(3, 200, 'jpeg')), { format: 'jpeg', width: 3, height: 200 });
  assert.deepEqual(await probeImage(await solid(65, 64, 'png', 4)), { format: 'png', width: 65, height: 64 });
});

test('GIF is UNSUPPORTED_FORMAT', async () => {
  const gif = await solid(16, 16, 'gif');
  assert.equal(gif.subarray(0, 4).toString('latin1'), 'GIF8');
  await rejectsWith(probeImage(gif), 'UNSUPPORTED_FORMAT');
  await rejectsWith(imageToInput(gif, 8), 'UNSUPPORTED_FORMAT');
});

test('random bytes and empty input are UNSUPPORTED_FORMAT', async () => {
  const bytes = Buffer.alloc(1000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 251;
  await rejectsWith(probeImage(bytes), 'UNSUPPORTED_FORMAT');
  await rejectsWith(probeImage(Buffer.alloc(0)), 'UNSUPPORTED_FORMAT');
});

test('truncated JPEG and PNG, and garbage behind a JPEG/PNG signature, are CORRUPT', async () => {
  const jpeg = await solid(128, 128, 'jpeg');
  await rejectsWith(probeImage(jpeg.subarray(0, Math.floor(jpeg.length / 2))), 'CORRUPT');
  await rejectsWith(imageToInput(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 16), 'CORRUPT');
  const png = await solid(128, 128, 'png');
  await rejectsWith(probeImage(png.subarray(0, Math.floor(png.length / 2))), 'CORRUPT');
  await rejectsWith(probeImage(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(100, 7)])), 'CORRUPT');
  await rejectsWith(probeImage(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 7)])), 'CORRUPT');
});

test('imageToInput gives size*size*3 floats in [0,1], also for grey and RGBA images', async () => {
  for (const channels of [1, 3, 4] as const) {
    const v = await imageToInput(await solid(70, 90, 'png', channels), 16);
    assert.equal(v.length, 16 * 16 * 3);
    assert.ok(v.every((x) => x >= 0 && x <= 1));
    assert.ok(new Set(v).size > 10);
  }
  // a pure red image stays red
  const red = await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toBuffer();
  const v = await imageToInput(red, 4);
  assert.deepEqual(Array.from(v.subarray(0, 3)), [1, 0, 0]);
});
