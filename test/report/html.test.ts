/**
 * The shared HTML pieces: escaping leaves no markup and no control or bidi character, the
 * policy's hash is the style sheet's, the page shell has one style sheet and no script, and
 * the chain drawing escapes and clips its text.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CSS, contentSecurityPolicy, drawChain, html, page } from '../../src/report/html.js';

const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('shared HTML report pieces', () => {
  test('html(): no markup character, no control or bidi character, entities for & < > " \'', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const e = html(s);
        assert.ok(!/[<>"']/.test(e), e);
        assert.ok(!/&(?!(amp|lt|gt|quot|#39);)/.test(e), e);
        assert.ok(!UNSAFE.test(e), JSON.stringify(e));
      }),
    );
    assert.equal(
      html(`<a href="javascript:x">'&'</a>`),
      '&lt;a href=&quot;javascript:x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
    assert.equal(html('\u001b[2J\u202eabc'), '\\x1b[2J\\u202eabc');
  });

  test('the policy allows exactly the style sheet by its hash, nothing else', () => {
    const hash = createHash('sha256').update(CSS).digest('base64');
    assert.equal(
      contentSecurityPolicy(CSS),
      `default-src 'none'; style-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`,
    );
    const p = page('t <x>', '<p>body</p>');
    assert.equal(p.match(/<style>/g)?.length, 1);
    assert.ok(p.includes(`<style>${CSS}</style>`), 'the hashed text is the style element text');
    assert.ok(!/<script/i.test(p));
    assert.ok(p.includes('<title>t &lt;x&gt;</title>'));
  });

  test('drawChain: one group per hop, text escaped and clipped, marks under the box', () => {
    const svg = drawChain(
      [
        { title: 'client', lines: [] },
        {
          title: '<script>',
          lines: [{ text: 'x'.repeat(80) }, { text: '"bad"', bad: true }],
          marks: ['ip-spoof'],
        },
      ],
      'cap',
    );
    assert.equal(svg.match(/<g class="hop/g)?.length, 2);
    assert.ok(svg.includes('&lt;script&gt;') && !svg.includes('<script>'));
    assert.ok(svg.includes(`${'x'.repeat(31)}…`));
    assert.ok(svg.includes('class="t2 bad"'));
    assert.match(svg, /fix here:.*ip-spoof/);
    assert.equal(svg.match(/class="node marked"/g)?.length, 1);
  });
});
