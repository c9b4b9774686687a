// The AWS JSON 1.1 encoder: the same text as JSON.stringify over the wire form, and remembered text
// only for values that frozenWire() made immutable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeOutput, frozenWire } from '../../src/protocol/json.js';

// What the wire form means, written the slow, obvious way.
function reference(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key) {
    const raw = this[key];
    if (raw instanceof Date) return raw.getTime() / 1000;
    if (Buffer.isBuffer(raw)) return raw.toString('base64');
    return raw === null ? undefined : raw;
  }) ?? '{}';
}

test('encodes like JSON.stringify: escapes, numbers, timestamps, blobs, absent members', () => {
  const samples: unknown[] = [
    {},
    { A: 'plain', B: 'quote " backslash \\ newline \n tab \t', C: '\u0001\u001f', D: 'é ü 漢字 😀', E: '\ud800 lone', F: '\u2028' },
    { N: 0, M: -0, P: 1.5, Q: 1795589570.198, R: Number.NaN, S: Number.POSITIVE_INFINITY, T: -1e21, U: 2 ** 53 },
    { Yes: true, No: false, Absent: undefined, Null: null },
    { When: new Date(1795589570198), Blob: Buffer.from([0, 1, 2, 250, 255]) },
    { List: [1, 'two', null, undefined, { X: 'y' }, [], [new Date(0)]], Empty: [], Nested: { Deeper: { Deepest: 'z' } } },
    { 'Key "quoted"': 'v', 'ключ': 'значение' },
  ];
  for (const s of samples) assert.equal(encodeOutput(s), reference(s), JSON.stringify(s));
  assert.equal(encodeOutput(undefined), '{}');
  assert.deepEqual(JSON.parse(encodeOutput(samples[1])), samples[1]);
});

test('frozenWire freezes deeply and the text is remembered per object', () => {
  const inner = { Name: 'a', Tags: ['x'], When: new Date(1000) };
  const wire = frozenWire({ Items: [inner] });
  assert.ok(Object.isFrozen(wire) && Object.isFrozen(wire.Items) && Object.isFrozen(inner) && Object.isFrozen(inner.Tags));
  assert.throws(() => { (inner as { Name: string }).Name = 'b'; }, TypeError);
  const first = encodeOutput({ Page: wire, Token: 't1' });
  assert.equal(first, '{"Page":{"Items":[{"Name":"a","Tags":["x"],"When":1}]},"Token":"t1"}');
  // The envelope is not frozen: what changes around a remembered value is encoded afresh.
  assert.equal(encodeOutput({ Page: wire, Token: 't2' }), first.replace('t1', 't2'));
  // A Date's time can still be set (freezing does not reach its internal slot): the remembered text
  // shows that the value was not encoded again.
  inner.When.setTime(5000);
  assert.equal(encodeOutput({ Page: wire, Token: 't1' }), first);
});

test('values that are not marked are encoded afresh every time', () => {
  const plain = { Name: 'a' };
  assert.equal(encodeOutput(plain), '{"Name":"a"}');
  plain.Name = 'b';
  assert.equal(encodeOutput(plain), '{"Name":"b"}');
  // Frozen by someone else (shallowly): not trusted, not remembered.
  const shallow = Object.freeze({ List: ['a'] });
  assert.equal(encodeOutput(shallow), '{"List":["a"]}');
  shallow.List[0] = 'b';
  assert.equal(encodeOutput(shallow), '{"List":["b"]}');
});
