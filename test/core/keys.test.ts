/**
 * Option keys: an unknown key throws at start-up, naming it and the nearest valid one
 * (src/core/keys.ts), in compilePolicy as in every HTTP binding (test/node, test/adapters).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compilePolicy, type PolicyOptions } from '../../src/core/index.js';
import { checkKeys, distance, type KeySchema, nearest, POLICY_KEYS } from '../../src/core/keys.js';

describe('distance: optimal string alignment', () => {
  const cases: [string, string, number][] = [
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['allowedhost', 'allowedhosts', 1],
    ['exmept', 'exempt', 1], // a swap of neighbours is one edit
    ['kitten', 'sitting', 3],
    ['maxhops', 'maxhops', 0],
    ['ca', 'abc', 3], // OSA, not full Damerau (which says 2)
  ];
  for (const [a, b, d] of cases) {
    test(`${JSON.stringify(a)} -> ${JSON.stringify(b)} = ${d}`, () => {
      assert.equal(distance(a, b), d);
      assert.equal(distance(b, a), d);
    });
  }
  test('is a metric-like count: 0 only for equal strings, bounded by the longer length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = distance(a, b);
        assert.equal(d === 0, a === b);
        assert.ok(d <= Math.max(a.length, b.length));
        assert.ok(d >= Math.abs(a.length - b.length));
        assert.equal(d, distance(b, a));
      }),
    );
  });
});

describe('nearest', () => {
  const keys = Object.keys(POLICY_KEYS);
  test('finds the intended key for common typos', () => {
    assert.equal(nearest('allowedHost', keys), 'allowedHosts');
    assert.equal(nearest('AllowedHosts', keys), 'allowedHosts');
    assert.equal(nearest('trustedProxy', keys), 'trustedProxies');
    assert.equal(nearest('trustProxies', keys), 'trustedProxies');
    assert.equal(nearest('header', keys), 'headers');
    assert.equal(nearest('sharedSecrets', keys), 'sharedSecret');
    assert.equal(nearest('trusted', keys), 'trustedProxies'); // a prefix
  });
  test('suggests nothing for a word that is not near any key', () => {
    assert.equal(nearest('foo', keys), undefined);
    assert.equal(nearest('x', keys), undefined);
    assert.equal(nearest('timeoutMilliseconds', keys), undefined);
  });
});

describe('checkKeys', () => {
  const schema: KeySchema = { a: true, nested: { inner: true, deep: { leaf: true } } };
  test('accepts the known keys, at every level, and values of any kind', () => {
    checkKeys('t', { a: 1, nested: { inner: [1], deep: { leaf: null } } }, schema);
    checkKeys('t', { nested: true }, schema); // a boolean shorthand: not an object to check
    checkKeys('t', { nested: [1, 2] }, schema); // an array: left to the option's own check
    checkKeys('t', {}, schema);
    checkKeys('t', undefined, schema);
    checkKeys('t', Object.create(null), schema);
  });
  test('names an unknown key and its nearest valid one', () => {
    assert.throws(() => checkKeys('t', { aa: 1 }, schema), {
      name: 'TypeError',
      message: 't: unknown option "aa"; did you mean "a"?',
    });
  });
  test('names the full path of a nested key', () => {
    assert.throws(() => checkKeys('t', { nested: { iner: 1 } }, schema), {
      name: 'TypeError',
      message: 't: unknown option "nested.iner"; did you mean "nested.inner"?',
    });
    assert.throws(() => checkKeys('t', { nested: { deep: { lef: 1 } } }, schema), {
      message: 't: unknown option "nested.deep.lef"; did you mean "nested.deep.leaf"?',
    });
  });
  test('lists the valid keys when none is near', () => {
    assert.throws(() => checkKeys('t', { nested: { zzzzzz: 1 } }, schema), {
      message: 't: unknown option "nested.zzzzzz"; the valid keys of nested are: inner, deep',
    });
    assert.throws(() => checkKeys('t', { zzzzzz: 1 }, schema), {
      message: 't: unknown option "zzzzzz"; the valid options are: a, nested',
    });
  });
  test('an unknown key counts even when its value is undefined', () => {
    assert.throws(() => checkKeys('t', { b: undefined }, schema), /unknown option "b"/);
  });
  test('inherited names are not keys: __proto__, constructor, toString', () => {
    for (const k of ['constructor', 'toString', 'hasOwnProperty']) {
      assert.throws(() => checkKeys('t', { [k]: 1 }, schema), new RegExp(`"${k}"`));
    }
    const o = JSON.parse('{"__proto__": {"polluted": true}}') as object;
    assert.throws(() => checkKeys('t', o, schema), /"__proto__"/);
  });
  test('class instances and functions are not walked', () => {
    class Opts {
      anything = 1;
    }
    checkKeys('t', { nested: new Opts() }, schema);
    checkKeys('t', { nested: () => 1 }, schema);
    checkKeys('t', new Opts(), schema);
  });
  test('property: an object of known keys passes; adding any other key throws naming it', () => {
    const known = fc.dictionary(fc.constantFrom('a', 'nested'), fc.anything(), { maxKeys: 2 });
    fc.assert(
      fc.property(known, fc.string({ minLength: 1, maxLength: 20 }), (o, extra) => {
        const safe = { ...o, nested: { inner: 1 } };
        checkKeys('t', safe, schema);
        if (extra === 'a' || extra === 'nested') return;
        const bad = Object.defineProperty({ ...safe }, extra, {
          value: 1,
          enumerable: true,
        });
        assert.throws(
          () => checkKeys('t', bad, schema),
          (e: unknown) =>
            e instanceof TypeError && e.message.includes(`unknown option ${JSON.stringify(extra)}`),
        );
      }),
    );
  });
});

describe('compilePolicy refuses unknown keys, as it refuses a bad CIDR', () => {
  const cases: [string, object, string][] = [
    ['allowedHost', { allowedHost: ['a.example'] }, 'did you mean "allowedHosts"?'],
    ['trustedProxy', { trustedProxy: ['loopback'] }, 'did you mean "trustedProxies"?'],
    ['limits.maxHop', { limits: { maxHop: 3 } }, 'did you mean "limits.maxHops"?'],
    [
      'sharedSecret.value',
      { sharedSecret: { header: 'x-secret', value: ['s'.repeat(16)] } },
      'did you mean "sharedSecret.values"?',
    ],
    ['an HTTP-layer option', { httpsRedirect: true }, 'unknown option "httpsRedirect"'],
  ];
  for (const [name, options, hint] of cases) {
    test(name, () => {
      assert.throws(
        () => compilePolicy(options as PolicyOptions),
        (e: unknown) =>
          e instanceof TypeError &&
          e.message.startsWith('compilePolicy: ') &&
          e.message.includes(hint),
      );
    });
  }
  test('every documented key is accepted', () => {
    compilePolicy({
      trustedProxies: ['loopback'],
      allowedHosts: ['a.example'],
      sharedSecret: { header: 'x-secret', values: ['s'.repeat(16)] },
      unsafeTrustHopCount: 0,
      trustVerifiedPeers: false,
      limits: { maxHops: 8 },
      headers: undefined,
    });
  });
});
