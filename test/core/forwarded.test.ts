import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type ForwardedElement,
  type ForwardedParseResult,
  parseForwarded,
} from '../../src/core/forwarded.js';

/** A null-prototype record, as the parser builds `extensions`. */
function ext(values: Record<string, string>): Record<string, string> {
  return Object.assign(Object.create(null) as Record<string, string>, values);
}

function elements(input: string | readonly string[], ...caps: number[]): ForwardedElement[] {
  return parseForwarded(input, ...caps).elements;
}

function only(input: string | readonly string[]): ForwardedElement {
  const els = elements(input);
  assert.equal(els.length, 1, `expected one element in ${JSON.stringify(input)}`);
  return els[0]!;
}

function assertMalformed(input: string, reason: RegExp): void {
  const el = only(input);
  assert.ok(el.malformed, `expected ${JSON.stringify(input)} to be malformed`);
  assert.match(el.malformed, reason);
  assert.deepEqual(Object.keys(el).sort(), ['malformed', 'raw']);
  assert.equal(el.raw, input.trim());
}

describe('parseForwarded: RFC 7239 examples', () => {
  it('section 4: for="_gazonk"', () => {
    assert.deepStrictEqual(parseForwarded('for="_gazonk"'), {
      elements: [{ raw: 'for="_gazonk"', for: '_gazonk' }],
      truncated: false,
    });
  });

  it('section 4: For="[2001:db8:cafe::17]:4711" (name case-insensitive, value kept as text)', () => {
    assert.deepStrictEqual(only('For="[2001:db8:cafe::17]:4711"'), {
      raw: 'For="[2001:db8:cafe::17]:4711"',
      for: '[2001:db8:cafe::17]:4711',
    });
  });

  it('section 4: for=192.0.2.60;proto=http;by=203.0.113.43', () => {
    assert.deepStrictEqual(only('for=192.0.2.60;proto=http;by=203.0.113.43'), {
      raw: 'for=192.0.2.60;proto=http;by=203.0.113.43',
      for: '192.0.2.60',
      proto: 'http',
      by: '203.0.113.43',
    });
  });

  it('section 4: for=192.0.2.43, for=198.51.100.17', () => {
    assert.deepStrictEqual(elements('for=192.0.2.43, for=198.51.100.17'), [
      { raw: 'for=192.0.2.43', for: '192.0.2.43' },
      { raw: 'for=198.51.100.17', for: '198.51.100.17' },
    ]);
  });

  it('section 6.2: for=unknown is returned uninterpreted', () => {
    assert.deepStrictEqual(only('for=unknown'), { raw: 'for=unknown', for: 'unknown' });
  });

  it('section 6.3: obfuscated identifiers for=_hidden, for=_SEVKISEK', () => {
    assert.deepStrictEqual(
      elements('for=_hidden, for=_SEVKISEK').map((e) => e.for),
      ['_hidden', '_SEVKISEK'],
    );
  });

  it('section 7.4: X-Forwarded-For transition with a quoted IPv6 node and unknown', () => {
    assert.deepStrictEqual(
      elements('for=192.0.2.43, for="[2001:db8:cafe::17]", for=unknown').map((e) => e.for),
      ['192.0.2.43', '[2001:db8:cafe::17]', 'unknown'],
    );
  });

  it('section 7.5: two hops, the second with by, proto and host', () => {
    const value = 'for=192.0.2.43,for=198.51.100.17;by=203.0.113.60;proto=http;host=example.com';
    assert.deepStrictEqual(parseForwarded(value), {
      elements: [
        { raw: 'for=192.0.2.43', for: '192.0.2.43' },
        {
          raw: 'for=198.51.100.17;by=203.0.113.60;proto=http;host=example.com',
          for: '198.51.100.17',
          by: '203.0.113.60',
          proto: 'http',
          host: 'example.com',
        },
      ],
      truncated: false,
    });
  });

  it('section 7.1: the same list on two header lines parses the same', () => {
    const oneLine = elements(
      'for=192.0.2.43, for=198.51.100.17;by=203.0.113.60;proto=http;host=example.com',
    );
    const twoLines = elements([
      'for=192.0.2.43',
      'for=198.51.100.17;by=203.0.113.60;proto=http;host=example.com',
    ]);
    assert.deepStrictEqual(twoLines, oneLine);
  });
});

describe('parseForwarded: values and names', () => {
  it('unescapes quoted-pairs', () => {
    assert.equal(only('for="a\\"b"').for, 'a"b');
    assert.equal(only('for="a\\\\b"').for, 'a\\b');
    assert.equal(only('for="\\a\\b\\c"').for, 'abc');
    assert.equal(only('for="\\""').for, '"');
    assert.equal(only('for="x\\ y"').for, 'x y');
  });

  it('keeps spaces, tabs and obs-text inside quoted strings', () => {
    assert.equal(only('host="a b\tc"').host, 'a b\tc');
    assert.equal(only('host="caf\u00e9"').host, 'caf\u00e9');
  });

  it('treats parameter names case-insensitively and stores them lower-case', () => {
    assert.deepStrictEqual(only('FOR=a;By=b;HoSt=c;PROTO=HTTPS;X-Trace=Z'), {
      raw: 'FOR=a;By=b;HoSt=c;PROTO=HTTPS;X-Trace=Z',
      for: 'a',
      by: 'b',
      host: 'c',
      proto: 'HTTPS',
      extensions: ext({ 'x-trace': 'Z' }),
    });
  });

  it('returns other parameters as extensions with a null prototype', () => {
    const el = only('for=a;secret="s;,=";constructor=c;__proto__=p');
    assert.deepStrictEqual(
      el.extensions,
      ext({ secret: 's;,=', constructor: 'c', ['__proto__']: 'p' }),
    );
    assert.equal(Object.getPrototypeOf(el.extensions), null);
    assert.equal(el.extensions?.toString, undefined);
    assert.ok(Object.hasOwn(el.extensions!, '__proto__'));
  });

  it('leaves extensions absent when there are none', () => {
    assert.equal('extensions' in only('for=a'), false);
  });

  it('does not split on commas or semicolons inside quoted strings', () => {
    assert.deepStrictEqual(elements('for="a,b;c", host="x,y";proto=https'), [
      { raw: 'for="a,b;c"', for: 'a,b;c' },
      { raw: 'host="x,y";proto=https', host: 'x,y', proto: 'https' },
    ]);
    assert.deepStrictEqual(
      elements('for="a\\",b", for=c').map((e) => e.for),
      ['a",b', 'c'],
    );
  });

  it('does not interpret node values', () => {
    assert.equal(only('for=unknown').for, 'unknown');
    assert.equal(only('for=_hidden').for, '_hidden');
    assert.equal(only('for="[2001:db8::1]:8080"').for, '[2001:db8::1]:8080');
    assert.equal(only('for=192.0.2.60').for, '192.0.2.60');
    assert.equal(only('by="192.0.2.60:80"').by, '192.0.2.60:80');
  });

  it('allows OWS around commas and semicolons', () => {
    assert.deepStrictEqual(elements(' for=a ;\tproto=https ; host=h ,\tfor=b ; '), [
      { raw: 'for=a ;\tproto=https ; host=h', for: 'a', proto: 'https', host: 'h' },
      { raw: 'for=b ;', for: 'b' },
    ]);
  });

  it('allows empty pairs between semicolons; an element of only semicolons has no parameters', () => {
    assert.deepStrictEqual(only(';for=a;;proto=http;'), {
      raw: ';for=a;;proto=http;',
      for: 'a',
      proto: 'http',
    });
    assert.deepStrictEqual(elements('for=a, ;, for=b'), [
      { raw: 'for=a', for: 'a' },
      { raw: ';' },
      { raw: 'for=b', for: 'b' },
    ]);
  });
});

describe('parseForwarded: lists and lines', () => {
  it('skips empty list elements', () => {
    assert.deepStrictEqual(
      elements('for=a, , for=b').map((e) => e.for),
      ['a', 'b'],
    );
    assert.deepStrictEqual(
      elements(',, for=a ,\t,for=b,,').map((e) => e.for),
      ['a', 'b'],
    );
    assert.deepStrictEqual(parseForwarded(''), { elements: [], truncated: false });
    assert.deepStrictEqual(parseForwarded(' \t , , '), { elements: [], truncated: false });
    assert.deepStrictEqual(parseForwarded([]), { elements: [], truncated: false });
    assert.deepStrictEqual(parseForwarded(['', '  ', '\t']), { elements: [], truncated: false });
  });

  it('concatenates several lines in order', () => {
    assert.deepStrictEqual(
      elements(['for=a, for=b', '', 'for=c', ' for=d ,for=e ']).map((e) => e.for),
      ['a', 'b', 'c', 'd', 'e'],
    );
  });

  it('never lets a quoted string span two lines', () => {
    assert.deepStrictEqual(elements(['for="a, for=b', 'for=c"']), [
      { malformed: 'unterminated quoted string', raw: 'for="a, for=b' },
      { malformed: 'unexpected character after parameter value', raw: 'for=c"' },
    ]);
  });

  it('trims and clips raw to 200 characters', () => {
    const long = `for="${'x'.repeat(500)}"`;
    const el = only(`  ${long}  `);
    assert.equal(el.for, 'x'.repeat(500));
    assert.equal(el.raw, `${long.slice(0, 200)}…`);
    assert.equal(only(' for=a\t').raw, 'for=a');
  });

  it('ignores non-string lines and non-list input instead of throwing', () => {
    assert.deepStrictEqual(
      elements([1, 'for=a', null, undefined, 'for=b'] as unknown as string[]).map((e) => e.for),
      ['a', 'b'],
    );
    assert.deepStrictEqual(parseForwarded(undefined as unknown as string), {
      elements: [],
      truncated: false,
    });
    assert.deepStrictEqual(parseForwarded({ length: 2 } as unknown as string[]), {
      elements: [],
      truncated: false,
    });
  });
});

describe('parseForwarded: malformed elements', () => {
  it('a repeated parameter, in any case', () => {
    assertMalformed('for=a;for=b', /'for' repeated/);
    assertMalformed('for=a;FOR=b', /'for' repeated/);
    assertMalformed('proto=http;by=x;Proto=https', /'proto' repeated/);
    assertMalformed('host=a;host="a"', /'host' repeated/);
    assertMalformed('by=a;BY=a', /'by' repeated/);
    assertMalformed('x=1;X=2', /'x' repeated/);
  });

  it('a bad token in a name or a value', () => {
    assertMalformed('f@r=a', /parameter name/);
    assertMalformed('=a', /parameter name/);
    assertMalformed('"for"=a', /parameter name/);
    assertMalformed('for=a@b', /unexpected character/);
    assertMalformed('for=@', /parameter value/);
    assertMalformed('for=a b', /unexpected character/);
    assertMalformed('for="a"b', /unexpected character/);
    assertMalformed('for="a" "b"', /unexpected character/);
    assertMalformed('for=a=b', /unexpected character/);
  });

  it('unquoted IPv6, brackets or ports fail token syntax', () => {
    assertMalformed('for=2001:db8::1', /unexpected character/);
    assertMalformed('for=[::1]', /parameter value/);
    assertMalformed('For=192.0.2.43:47011', /unexpected character/);
    assertMalformed('host=example.com:8080', /unexpected character/);
  });

  it('an unterminated quoted string', () => {
    assertMalformed('for="a', /unterminated/);
    assertMalformed('for="a\\"', /unterminated/);
    assertMalformed('for="a\\', /unterminated/);
    assertMalformed('for="', /unterminated/);
  });

  it('a control character inside a quoted string', () => {
    assertMalformed('for="a\u0000b"', /invalid character/);
    assertMalformed('for="a\nb"', /invalid character/);
    assertMalformed('for="a\u007fb"', /invalid character/);
    assertMalformed('for="a\\\u0001b"', /invalid character/);
    assertMalformed('for="\u2028"', /invalid character/);
  });

  it("a missing '='", () => {
    assertMalformed('for', /missing '='/);
    assertMalformed('for;proto=http', /missing '='/);
    assertMalformed('proto=http;for', /missing '='/);
  });

  it("whitespace around '='", () => {
    assertMalformed('for =a', /whitespace around '='/);
    assertMalformed('for= a', /whitespace around '='/);
    assertMalformed('for = a', /whitespace around '='/);
  });

  it('an empty value, unquoted or quoted', () => {
    assertMalformed('for=', /empty parameter value/);
    assertMalformed('for=;proto=http', /empty parameter value/);
    assertMalformed('for=""', /empty parameter value/);
    assertMalformed('proto=http;for=""', /empty parameter value/);
  });

  it('more parameters than maxParamsPerElement', () => {
    const sixteen = Array.from({ length: 16 }, (_, i) => `p${i}=v`).join(';');
    assert.equal(only(sixteen).malformed, undefined);
    assert.equal(Object.keys(only(sixteen).extensions!).length, 16);
    assertMalformed(`${sixteen};p16=v`, /too many parameters/);
    assert.match(elements('for=a;by=b;host=c', 64, 2)[0]!.malformed ?? '', /too many/);
    assert.equal(elements('for=a;by=b', 64, 2)[0]!.malformed, undefined);
    assert.match(elements('for=a', 64, 0)[0]!.malformed ?? '', /too many/);
    assert.equal(elements(';;', 64, 0)[0]!.malformed, undefined);
  });

  it('a malformed element leaves the others intact', () => {
    assert.deepStrictEqual(elements('for=a, for=b;for=c, for="d", for=2001:db8::1, for=e'), [
      { raw: 'for=a', for: 'a' },
      { malformed: "parameter 'for' repeated", raw: 'for=b;for=c' },
      { raw: 'for="d"', for: 'd' },
      { malformed: 'unexpected character after parameter value', raw: 'for=2001:db8::1' },
      { raw: 'for=e', for: 'e' },
    ]);
  });
});

describe('parseForwarded: caps', () => {
  const five = 'for=a, for=b, for=c, for=d, for=e';

  it('keeps the rightmost maxElements elements, in order, and sets truncated', () => {
    assert.deepStrictEqual(parseForwarded(five, 2), {
      elements: [
        { raw: 'for=d', for: 'd' },
        { raw: 'for=e', for: 'e' },
      ],
      truncated: true,
    });
    for (let cap = 1; cap <= 7; cap++) {
      const r = parseForwarded(five, cap);
      assert.deepStrictEqual(
        r.elements.map((e) => e.for),
        ['a', 'b', 'c', 'd', 'e'].slice(-cap),
        `cap ${cap}`,
      );
      assert.equal(r.truncated, cap < 5, `cap ${cap}`);
    }
  });

  it('counts across lines, skipping empty elements, and counts malformed ones', () => {
    const r = parseForwarded(['for=a, , for=b', 'for=c;for=x', ',', 'for=d'], 3);
    assert.equal(r.truncated, true);
    assert.deepStrictEqual(
      r.elements.map((e) => e.for ?? e.malformed),
      ['b', "parameter 'for' repeated", 'd'],
    );
  });

  it('maxElements 0 keeps nothing; NaN and negatives count as 0; fractions are floored', () => {
    assert.deepStrictEqual(parseForwarded(five, 0), { elements: [], truncated: true });
    assert.deepStrictEqual(parseForwarded('', 0), { elements: [], truncated: false });
    assert.deepStrictEqual(parseForwarded(five, Number.NaN), { elements: [], truncated: true });
    assert.deepStrictEqual(parseForwarded(five, -3), { elements: [], truncated: true });
    assert.deepStrictEqual(parseForwarded(five, 2.9).elements.length, 2);
    assert.deepStrictEqual(parseForwarded(five, Number.POSITIVE_INFINITY).elements.length, 5);
  });

  it('defaults to 64 elements', () => {
    const many = Array.from({ length: 100 }, (_, i) => `for=h${i}`).join(',');
    const r = parseForwarded(many);
    assert.equal(r.truncated, true);
    assert.equal(r.elements.length, 64);
    assert.equal(r.elements[0]!.for, 'h36');
    assert.equal(r.elements[63]!.for, 'h99');
    const exactly = Array.from({ length: 64 }, (_, i) => `for=h${i}`);
    assert.equal(parseForwarded(exactly).truncated, false);
  });

  it('handles a huge header by keeping only the rightmost elements', () => {
    const huge = `${'for=192.0.2.1, '.repeat(70_000)}for="[2001:db8::1]"`;
    const r = parseForwarded(huge, 3);
    assert.equal(r.truncated, true);
    assert.deepStrictEqual(
      r.elements.map((e) => e.for),
      ['192.0.2.1', '192.0.2.1', '[2001:db8::1]'],
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** Characters that a quoted-string may carry (directly or escaped). */
const quotableChar = fc.oneof(
  fc.constantFrom(...TCHARS.split('')),
  fc.constantFrom(' ', '\t', '"', '\\', ',', ';', '=', ':', '[', ']', '(', ')', '@', '/', '?'),
  fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
);
const tokenArb = fc.string({ unit: fc.constantFrom(...TCHARS.split('')), minLength: 1 });
const valueArb = fc.oneof(tokenArb, fc.string({ unit: quotableChar, minLength: 1 }));
const owsArb = fc.constantFrom('', ' ', '\t', '  ');

/** A generated element: lower-case parameter names (unique) -> values. */
const elementArb = fc
  .uniqueArray(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('for', 'by', 'host', 'proto'),
        tokenArb.map((t) => t.toLowerCase()),
      ),
      valueArb,
    ),
    { selector: ([name]) => name, minLength: 1, maxLength: 16 },
  )
  .map((pairs) => pairs);

function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (const ch of value) if (!TCHARS.includes(ch)) return false;
  return true;
}

/** A tiny serializer: quote values when needed, escape '"' and '\' (and sometimes more). */
function serializeValue(value: string, forceQuote: boolean, escapeAll: boolean): string {
  if (isToken(value) && !forceQuote) return value;
  let out = '"';
  for (const ch of value) out += ch === '"' || ch === '\\' || escapeAll ? `\\${ch}` : ch;
  return `${out}"`;
}

function randomCase(name: string, mask: number): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    out += (mask >> (i % 31)) & 1 ? ch.toUpperCase() : ch;
  }
  return out;
}

function expectedElement(pairs: [string, string][]): Omit<ForwardedElement, 'raw'> {
  const out: Record<string, unknown> = {};
  const extensions: Record<string, string> = ext({});
  let hasExt = false;
  for (const [name, value] of pairs) {
    if (name === 'for' || name === 'by' || name === 'host' || name === 'proto') out[name] = value;
    else {
      extensions[name] = value;
      hasExt = true;
    }
  }
  if (hasExt) out.extensions = extensions;
  return out;
}

function withoutRaw(result: ForwardedParseResult): Omit<ForwardedElement, 'raw'>[] {
  return result.elements.map(({ raw: _raw, ...rest }) => rest);
}

describe('parseForwarded: properties', () => {
  it('never throws on arbitrary strings, and every element is well-formed or only malformed+raw', () => {
    const interesting = fc.string({
      unit: fc.constantFrom(
        'for',
        '=',
        '"',
        '\\',
        ',',
        ';',
        ' ',
        '\t',
        'a',
        'F',
        '1',
        ':',
        '\u0000',
      ),
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), interesting), (s) => {
        const r = parseForwarded(s);
        assert.ok(r.elements.length <= 64);
        for (const el of r.elements) {
          assert.equal(typeof el.raw, 'string');
          assert.ok(el.raw.length > 0 && el.raw.length <= 201);
          if (el.malformed !== undefined) {
            assert.deepEqual(Object.keys(el).sort(), ['malformed', 'raw']);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary arrays of strings or arbitrary caps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.string({ unit: 'binary' }))),
        fc.oneof(fc.integer({ min: -5, max: 100 }), fc.double()),
        fc.oneof(fc.integer({ min: -5, max: 20 }), fc.double()),
        (lines, maxEl, maxParams) => {
          const r = parseForwarded(lines, maxEl, maxParams);
          assert.ok(Array.isArray(r.elements));
          assert.equal(typeof r.truncated, 'boolean');
        },
      ),
    );
  });

  it('round-trips serialized elements (random case, OWS, quoting, escapes, lines)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            pairs: elementArb,
            mask: fc.nat(),
            forceQuote: fc.boolean(),
            escapeAll: fc.boolean(),
            ows: owsArb,
          }),
          { minLength: 1, maxLength: 10 },
        ),
        fc.array(fc.nat(9), { maxLength: 4 }),
        (generated, breaks) => {
          const texts = generated.map(({ pairs, mask, forceQuote, escapeAll, ows }) =>
            pairs
              .map(
                ([name, value], i) =>
                  `${randomCase(name, mask + i)}=${serializeValue(value, forceQuote && i % 2 === 0, escapeAll)}`,
              )
              .join(`${ows};${ows}`),
          );
          // Split the list into lines at some element boundaries.
          const lines: string[] = [];
          let current: string[] = [];
          texts.forEach((text, i) => {
            current.push(text);
            if (breaks.includes(i)) {
              lines.push(current.join(' , '));
              current = [];
            }
          });
          lines.push(current.join(','));
          const r = parseForwarded(lines);
          assert.equal(r.truncated, false);
          assert.deepStrictEqual(
            withoutRaw(r),
            generated.map((g) => expectedElement(g.pairs)),
          );
          r.elements.forEach((el, i) => {
            assert.equal(el.raw, texts[i]!.length > 200 ? `${texts[i]!.slice(0, 200)}…` : texts[i]);
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never returns more elements than the cap, and returns the rightmost ones', () => {
    const listArb = fc.array(
      fc.oneof(
        fc.constantFrom('for=a', 'for=b;proto=https', 'for="x,y"', ' ', '', 'for=a;for=b', '"'),
        fc.string({ unit: fc.constantFrom('f', '=', '"', ',', ';', ' ', '\\') }),
      ),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(
        fc.array(
          listArb.map((parts) => parts.join(',')),
          { maxLength: 4 },
        ),
        fc.nat(8),
        (lines, cap) => {
          const all = parseForwarded(lines, Number.POSITIVE_INFINITY);
          const r = parseForwarded(lines, cap);
          assert.ok(r.elements.length <= cap);
          assert.equal(r.truncated, all.elements.length > cap);
          assert.deepStrictEqual(r.elements, cap === 0 ? [] : all.elements.slice(-cap));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
