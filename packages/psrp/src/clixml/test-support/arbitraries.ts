/** fast-check generators of PSValues covering every CLIXML primitive, object shape and container. */
import { PSObject, PSPrimitive, type PSContainer, type PSValue } from '@exops/contracts';
import fc from 'fast-check';
import { createClixmlPropertySet } from '../property-set.js';

const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('_x', '_X0041_', '_x005F_', '\r\n', 'a<b>&"\'', '\uD800', '\u{1F600}', ' lead', 'trail ', '') },
);

const int = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max });
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

const dateTime = fc
  .tuple(int(1, 9999), int(1, 12), int(1, 28), int(0, 23), int(0, 59), int(0, 59), fc.option(int(0, 9999999)), fc.constantFrom('', 'Z', '+01:00', '-14:00', '+05:30'))
  .map(([y, mo, d, h, mi, s, f, zone]) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${f === null ? '' : `.${pad(f, 7)}`}${zone}`);

const duration = fc
  .tuple(fc.boolean(), int(0, 10675199), int(0, 23), int(0, 59), int(0, 59), fc.option(int(0, 9999999)))
  .map(([negative, d, h, m, s, f]) => `${negative ? '-' : ''}P${d}DT${h}H${m}M${s}${f === null ? '' : `.${pad(f, 7)}`}S`);

const decimal = fc
  .tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^\d{1,29}$/), fc.option(fc.stringMatching(/^\d{0,28}$/)))
  .map(([sign, whole, fraction]) => `${sign}${whole}${fraction === null ? '' : `.${fraction}`}`);

/** Every primitive, with values at the edges of each range. */
export const primitiveArbitrary: fc.Arbitrary<PSValue> = fc.oneof(
  text,
  fc.integer({ min: -2147483648, max: 2147483647 }).map((n) => (n === 0 ? 0 : n)),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => new PSPrimitive('I64', v)),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => new PSPrimitive('U64', v)),
  int(0, 255).map((v) => new PSPrimitive('By', v)),
  int(-128, 127).map((v) => new PSPrimitive('SB', v)),
  int(0, 65535).map((v) => new PSPrimitive('U16', v)),
  int(-32768, 32767).map((v) => new PSPrimitive('I16', v)),
  fc.integer({ min: 0, max: 4294967295 }).map((v) => new PSPrimitive('U32', v)),
  int(0, 65535).map((v) => new PSPrimitive('C', v)),
  fc.double().map((v) => new PSPrimitive('Db', v)),
  fc.float().map((v) => new PSPrimitive('Sg', v)),
  decimal.map((v) => new PSPrimitive('D', v)),
  fc.uint8Array({ maxLength: 20 }).map((v) => new PSPrimitive('BA', v)),
  fc.uuid().map((v) => new PSPrimitive('G', v)),
  dateTime.map((v) => new PSPrimitive('DT', v)),
  duration.map((v) => new PSPrimitive('TS', v)),
  text.map((v) => new PSPrimitive('URI', v)),
  text.map((v) => new PSPrimitive('XD', v)),
  text.map((v) => new PSPrimitive('SBK', v)),
  fc.tuple(int(0, 65535), int(0, 65535), fc.option(int(0, 65535)), fc.option(int(0, 65535)))
    .map(([a, b, c, d]) => new PSPrimitive('Version', [a, b, ...(c === null ? [] : [c, ...(d === null ? [] : [d])])].join('.'))),
  fc.uint8Array({ minLength: 1, maxLength: 32 }).map((v) => new PSPrimitive('SS', Buffer.from(v).toString('base64'))),
);

const typeName = fc.oneof(fc.constantFrom('System.Object', 'System.Collections.ArrayList', 'Deserialized.My.Type'), text);

/** Any PSValue up to a small depth: objects with type names, ToString, a value, properties, property sets, containers. */
export const psValueArbitrary: fc.Arbitrary<PSValue> = fc.letrec<{ value: PSValue; object: PSObject }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, primitiveArbitrary, tie('object')),
  object: fc
    .record({
      typeNames: fc.array(typeName, { maxLength: 3 }),
      toStringValue: fc.option(text, { nil: undefined }),
      value: fc.option(fc.oneof(primitiveArbitrary, tie('object')), { nil: undefined, freq: 4 }),
      adapted: fc.array(fc.tuple(text, tie('value')), { maxLength: 3 }),
      extended: fc.array(
        fc.tuple(text, fc.oneof({ weight: 5, arbitrary: tie('value') }, { weight: 1, arbitrary: fc.array(fc.tuple(text, primitiveArbitrary), { maxLength: 2 }).map((p) => createClixmlPropertySet(p)) })),
        { maxLength: 3 },
      ),
      container: fc.option(
        fc.oneof(
          fc.record({ kind: fc.constantFrom('LST', 'IE', 'STK', 'QUE'), items: fc.array(tie('value'), { maxLength: 3 }) }),
          fc.record({ kind: fc.constant('DCT'), entries: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }) }),
        ) as fc.Arbitrary<PSContainer>,
        { nil: undefined },
      ),
    })
    .map((init) => new PSObject({ ...init, value: init.value === null ? undefined : init.value })),
})).value;
