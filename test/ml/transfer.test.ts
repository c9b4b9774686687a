// Classification on the pretrained MobileNetV2 (nsfwjs 4.4.0) with real logos on real photographs: the model file
// holds only the head, loads back through loadPredictor with the same answers, and exports as one plain tfjs graph
// that gives them too. Needs the Debian packages of scripts/real-photos.ts (.ci/run installs them; with CI=true a
// missing package fails the test instead of skipping it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLogoClassificationSet, checkSources } from '../../scripts/real-photos.js';
import { imageToInput } from '../../src/ml/image.js';
import { trainClassifier } from '../../src/ml/train.js';
import { loadPredictor } from '../../src/ml/predict.js';
import { readModelHeader } from '../../src/ml/model-format.js';
import { exportTfjsModel } from '../../src/ml/export.js';
import { tf } from '../../src/ml/backend.js';
import { missingTools } from '../helpers/tools.js';

let absent: string | undefined;
try { checkSources(); } catch (e) { absent = (e as Error).message; }
const skip = missingTools({ name: 'the real-photo packages', present: !absent, install: 'apt-get install -y mate-backgrounds numix-icon-theme-circle' });

const LABELS = ['firefox', 'vlc', 'steam', 'telegram'];
const SIZE = 160;

test('a frozen-backbone head learns real logos from 8 images per label (well above chance), and exports as plain tfjs', { skip }, async () => {
  const set = await buildLogoClassificationSet({ perLabel: 8, testPerLabel: 6, size: SIZE, labels: LABELS, seed: 3 });
  const toExample = async (s: (typeof set)[number]) => ({ image: await imageToInput(s.bytes, SIZE), labels: [LABELS.indexOf(s.labels[0]!.label)] });
  const train = await Promise.all(set.filter((s) => s.split === 'train').map(toExample));
  const testSet = await Promise.all(set.filter((s) => s.split === 'test').map(toExample));
  const progress: number[] = [];
  const r = await trainClassifier({ examples: train, labelNames: LABELS, inputSize: SIZE, backbone: 'mobilenet-v2', transferVariant: 'frozen', epochs: 40, seed: 1 }, (p) => progress.push(p.loss));
  assert.equal(progress.length, 40);
  assert.ok(progress.at(-1)! < progress[0]!, `loss fell: ${progress[0]} → ${progress.at(-1)}`);
  const h = readModelHeader(r.model);
  assert.equal(h.architecture.name, 'mobilenet-v2-transfer');
  assert.ok(h.weightsByteLength < 2_000_000, 'the backbone is not stored in the model file');

  const predictor = await loadPredictor(r.model);
  const conf = testSet.map((e) => predictor.predict(e.image));
  const right = conf.filter((c, i) => c.indexOf(Math.max(...c)) === testSet[i]!.labels[0]).length;
  // Chance is 25 %; the test photographs are ones no training image used (14/24 when written).
  assert.ok(right / testSet.length >= 0.5, `test accuracy ${right}/${testSet.length}`);

  const files = await exportTfjsModel(r.model, 'arn:aws:rekognition:us-east-1:111122223333:project/p/version/v/1');
  const file = (p: string) => files.find((f) => f.path === p)!.bytes;
  const json = JSON.parse(file('model.json').toString('utf8'));
  const meta = JSON.parse(file('osprey-model.json').toString('utf8'));
  assert.equal(meta.preprocessing.standardize, null);
  const w = file('weights.bin');
  const plain = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) }));
  const out = tf.tidy(() => plain.predict(tf.tensor4d(testSet[0]!.image, [1, SIZE, SIZE, 3])) as tf.Tensor).dataSync();
  Array.from(out).forEach((v, l) => assert.ok(Math.abs(v - conf[0]![l]!) < 1e-5, `label ${l}: ${v} vs ${conf[0]![l]}`));
  plain.dispose();
  predictor.dispose();
});
