/**
 * The cross-file rules on chains built by hand: each judgement the rules make, including
 * the ones no example shows (gunicorn's agreement guard, trust that does not cover the
 * proxy, TLS-only and when-absent writes, hop counts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { covers } from '../../../src/lint/cross/chain.js';
import type { Belief, HeaderWrite, HopModel, Trust } from '../../../src/lint/model.js';
import type { ChainModel, CrossRule } from '../../../src/lint/rule.js';
import { hstsTwice } from '../../../src/lint/rules/cross-hsts-twice.js';
import { leftmostXffBehindAppend } from '../../../src/lint/rules/cross-leftmost-xff-behind-append.js';
import { schemeHeaderMismatch } from '../../../src/lint/rules/cross-scheme-header-mismatch.js';
import { trustWiderThanProxies } from '../../../src/lint/rules/cross-trust-wider-than-proxies.js';
import { unwrittenHeaderBelieved } from '../../../src/lint/rules/cross-unwritten-header-believed.js';

const at = (file: string, line = 1) => ({ file, line, col: 1 });
const w = (
  name: string,
  action: HeaderWrite['action'],
  extra: Partial<HeaderWrite> = {},
): HeaderWrite => ({
  name,
  action,
  at: at('edge', 3),
  ...extra,
});
const b = (name: string, purpose: Belief['purpose'], extra: Partial<Belief> = {}): Belief => ({
  name,
  purpose,
  at: at('app', 7),
  ...extra,
});
const proxy = (writes: HeaderWrite[], extra: Partial<HopModel> = {}): HopModel => ({
  file: 'edge',
  kind: 'nginx',
  role: 'proxy',
  label: 'edge',
  listens: [{ port: 443, tls: true, at: at('edge') }],
  targets: [{ host: '127.0.0.1', port: 8000, at: at('edge', 9) }],
  writes,
  believes: [],
  ...extra,
});
const app = (believes: Belief[], extra: Partial<HopModel> = {}): HopModel => ({
  file: 'app',
  kind: 'appserver',
  role: 'app',
  label: 'gunicorn',
  listens: [{ host: '127.0.0.1', port: 8000, at: at('app') }],
  targets: [],
  writes: [],
  believes,
  ...extra,
});
const chain = (...hops: HopModel[]): ChainModel => ({ source: 'declared', hops });
const run = (rule: CrossRule, c: ChainModel) => rule.check(c).map((h) => h.message);
const GUNICORN_SCHEME = [
  b('x-forwarded-protocol', 'scheme', { value: 'ssl' }),
  b('x-forwarded-proto', 'scheme', { value: 'https' }),
  b('x-forwarded-ssl', 'scheme', { value: 'on' }),
];
const loopbackTrust: Trust = { cidrs: ['127.0.0.1'], at: at('app', 2) };

describe('cross/unwritten-header-believed', () => {
  test('gunicorn: one scheme header replaced guards the others (it answers 400 on disagreement)', () => {
    const g = app(GUNICORN_SCHEME, { mustAgree: ['scheme'], trust: loopbackTrust });
    assert.deepEqual(
      run(
        unwrittenHeaderBelieved,
        chain(proxy([w('x-forwarded-proto', 'set', { value: '$scheme' })]), g),
      ),
      [],
    );
    // no scheme header written at all: every one it believes is the client's
    assert.equal(run(unwrittenHeaderBelieved, chain(proxy([]), g)).length, 3);
    // without the agreement guard, the unwritten ones are believed
    assert.equal(
      run(
        unwrittenHeaderBelieved,
        chain(
          proxy([w('x-forwarded-proto', 'set')]),
          app(GUNICORN_SCHEME, { trust: loopbackTrust }),
        ),
      ).length,
      2,
    );
  });

  test('a hop whose trust does not cover the proxy believes nothing of it', () => {
    const g = app([b('x-forwarded-proto', 'scheme')], {
      trust: { cidrs: ['10.0.0.0/8'], at: at('app') },
    });
    assert.deepEqual(run(unwrittenHeaderBelieved, chain(proxy([]), g)), []);
    // the same through a container network (where the proxy connects from is unknown): believed
    const far = proxy([], { targets: [{ host: 'web', port: 8000, at: at('edge') }] });
    const named = {
      ...g,
      names: ['web'],
      listens: [{ host: '0.0.0.0', port: 8000, at: at('app') }],
    };
    assert.equal(run(unwrittenHeaderBelieved, chain(far, named)).length, 1);
  });

  test('TLS-only, when-absent and appended writes leave the client in control', () => {
    const d = app([b('x-forwarded-proto', 'scheme'), b('x-forwarded-host', 'host')]);
    const msgs = run(
      unwrittenHeaderBelieved,
      chain(
        proxy([w('x-forwarded-proto', 'set', { onlyTls: true }), w('x-forwarded-host', 'append')]),
        d,
      ),
    );
    assert.equal(msgs.length, 2);
    assert.match(msgs[0]!, /TLS listeners/);
    assert.match(msgs[1]!, /appends/);
    assert.match(
      run(
        unwrittenHeaderBelieved,
        chain(
          proxy([w('x-forwarded-proto', 'if-absent')]),
          app([b('x-forwarded-proto', 'scheme')]),
        ),
      )[0]!,
      /only when the client sent none/,
    );
    // an appended X-Forwarded-For is the normal case for a right-to-left reader
    assert.deepEqual(
      run(
        unwrittenHeaderBelieved,
        chain(proxy([w('x-forwarded-for', 'append')]), app([b('x-forwarded-for', 'client')])),
      ),
      [],
    );
  });

  test("an app server's scheme does not count when Django reads a header the proxy always sets", () => {
    const uwsgi = app(
      [
        b('x-forwarded-proto', 'scheme', { value: 'https' }),
        b('x-forwarded-ssl', 'scheme', { value: 'on' }),
      ],
      { label: 'uwsgi', trust: { all: true, inherent: true, at: at('app', 2) } },
    );
    const django = (name: string) =>
      app([b(name, 'scheme', { value: 'https' })], {
        kind: 'django',
        label: 'Django',
        listens: [],
      });
    const edge = proxy([w('x-forwarded-proto', 'set', { value: '$scheme' })]);
    // Django reads X-Forwarded-Proto, set on every request: uwsgi's X-Forwarded-Ssl is moot
    assert.deepEqual(
      run(unwrittenHeaderBelieved, chain(edge, uwsgi, django('x-forwarded-proto'))),
      [],
    );
    // Django reads a header nobody sets: it falls back to uwsgi's wsgi.url_scheme, and both count
    assert.equal(
      run(unwrittenHeaderBelieved, chain(edge, uwsgi, django('x-forwarded-ssl'))).length,
      2,
    );
    // set only over TLS: over plain http Django falls back too
    const tlsOnly = proxy([w('x-forwarded-proto', 'set', { value: 'https', onlyTls: true })]);
    assert.equal(
      run(unwrittenHeaderBelieved, chain(tlsOnly, uwsgi, django('x-forwarded-proto'))).length,
      3,
    );
    // uwsgi's trust of every peer is its nature, not a setting to narrow
    assert.deepEqual(
      run(trustWiderThanProxies, chain(edge, uwsgi, django('x-forwarded-proto'))),
      [],
    );
  });

  test('a header the judged hop writes itself decides nothing for it (it may carry the forged value)', () => {
    // inner nginx believes X-Real-IP from the edge, which never writes it, and writes
    // X-Forwarded-For $remote_addr (the believed address) for the app behind it
    const edge = proxy([], { targets: [{ host: '127.0.0.1', port: 8080, at: at('edge', 9) }] });
    const inner = proxy([w('x-forwarded-for', 'set', { value: '$remote_addr' })], {
      file: 'inner',
      label: 'inner',
      listens: [{ host: '127.0.0.1', port: 8080, at: at('inner') }],
      targets: [{ host: '127.0.0.1', port: 3000, at: at('inner', 9) }],
      believes: [b('x-real-ip', 'client')],
      trust: { cidrs: ['127.0.0.1'], at: at('inner', 2) },
    });
    const express = app([b('x-forwarded-for', 'client')], {
      kind: 'express',
      listens: [{ host: '127.0.0.1', port: 3000, at: at('app') }],
      trust: { hops: 1, at: at('app', 2) },
    });
    const alone = run(unwrittenHeaderBelieved, chain(edge, inner));
    assert.equal(alone.length, 1);
    assert.deepEqual(run(unwrittenHeaderBelieved, chain(edge, inner, express)), alone);
  });

  test('the edge itself believes nothing from anyone in front', () => {
    assert.deepEqual(
      run(
        unwrittenHeaderBelieved,
        chain(proxy([], { believes: [b('x-real-ip', 'client')] }), app([])),
      ),
      [],
    );
  });
});

describe('cross/leftmost-xff-behind-append', () => {
  test('the first proxy to write X-Forwarded-For decides', () => {
    const reader = app([b('x-forwarded-for', 'client', { leftmost: true })]);
    assert.equal(
      run(leftmostXffBehindAppend, chain(proxy([w('x-forwarded-for', 'append')]), reader)).length,
      1,
    );
    const inner = proxy([w('x-forwarded-for', 'append')], { file: 'inner', label: 'inner' });
    assert.deepEqual(
      run(leftmostXffBehindAppend, chain(proxy([w('x-forwarded-for', 'set')]), inner, reader)),
      [],
    );
    assert.deepEqual(
      run(
        leftmostXffBehindAppend,
        chain(proxy([w('x-forwarded-for', 'append')]), app([b('x-forwarded-for', 'client')])),
      ),
      [],
    );
  });
});

describe('cross/scheme-header-mismatch', () => {
  test('another header, or a value that can never match', () => {
    const django = app([b('x-forwarded-ssl', 'scheme', { value: 'on' })], {
      kind: 'django',
      label: 'Django',
    });
    assert.match(
      run(
        schemeHeaderMismatch,
        chain(proxy([w('x-forwarded-proto', 'set', { value: '$scheme' })]), django),
      )[0]!,
      /X-Forwarded-Proto/,
    );
    const wantsOn = app([b('x-forwarded-proto', 'scheme', { value: 'on' })]);
    assert.equal(
      run(
        schemeHeaderMismatch,
        chain(proxy([w('x-forwarded-proto', 'set', { value: '$scheme' })]), wantsOn),
      ).length,
      1,
    );
    const wantsHttps = app([b('x-forwarded-proto', 'scheme', { value: 'https' })]);
    assert.deepEqual(
      run(
        schemeHeaderMismatch,
        chain(proxy([w('x-forwarded-proto', 'set', { value: '$scheme' })]), wantsHttps),
      ),
      [],
    );
    assert.equal(
      run(
        schemeHeaderMismatch,
        chain(proxy([w('x-forwarded-proto', 'set', { value: 'HTTPS' })]), wantsHttps),
      ).length,
      1,
    );
    // no scheme header written at all: that is the unwritten rule's, not a mismatch
    assert.deepEqual(run(schemeHeaderMismatch, chain(proxy([]), django)), []);
  });

  test("a plain-http server's literal http is the truth there, not behind a TLS hop", () => {
    const wantsHttps = app([b('x-forwarded-proto', 'scheme', { value: 'https' })]);
    const plain = (extra: Partial<HopModel> = {}) =>
      proxy([w('x-forwarded-proto', 'set', { value: 'http' })], {
        listens: [{ port: 80, at: at('edge') }],
        ...extra,
      });
    // Apache's or nginx's port-80 server beside the 443 one: requests there are http
    assert.deepEqual(run(schemeHeaderMismatch, chain(plain(), wantsHttps)), []);
    // the same server behind a TLS edge tells the app http for https requests
    const edge = proxy([], { file: 'lb', label: 'lb' });
    assert.equal(run(schemeHeaderMismatch, chain(edge, plain(), wantsHttps)).length, 1);
    // and a TLS listener writing http is wrong
    assert.equal(
      run(
        schemeHeaderMismatch,
        chain(proxy([w('x-forwarded-proto', 'set', { value: 'http' })]), wantsHttps),
      ).length,
      1,
    );
  });
});

describe('cross/trust-wider-than-proxies', () => {
  test("Django's trust is inherent (no setting names proxies): the app server's is judged", () => {
    const django = app([b('x-forwarded-proto', 'scheme', { value: 'https' })], {
      kind: 'django',
      label: 'Django',
      listens: [],
      trust: { all: true, inherent: true, at: at('settings.py') },
    });
    const gunicorn = app(GUNICORN_SCHEME, { trust: loopbackTrust });
    assert.deepEqual(run(trustWiderThanProxies, chain(proxy([]), gunicorn, django)), []);
    const wide = app(GUNICORN_SCHEME, { trust: { all: true, at: at('app', 2) } });
    assert.equal(run(trustWiderThanProxies, chain(proxy([]), wide, django)).length, 1);
  });

  test('every peer, ranges beyond loopback, too many hops; the loopback proxy itself is fine', () => {
    const p = proxy([]);
    assert.equal(
      run(trustWiderThanProxies, chain(p, app([], { trust: { all: true, at: at('app') } }))).length,
      1,
    );
    assert.equal(
      run(
        trustWiderThanProxies,
        chain(p, app([], { trust: { cidrs: ['127.0.0.1', '10.0.0.0/8'], at: at('app') } })),
      ).length,
      1,
    );
    assert.deepEqual(run(trustWiderThanProxies, chain(p, app([], { trust: loopbackTrust }))), []);
    assert.equal(
      run(trustWiderThanProxies, chain(p, app([], { trust: { hops: 2, at: at('app') } }))).length,
      1,
    );
    assert.deepEqual(
      run(trustWiderThanProxies, chain(p, app([], { trust: { hops: 1, at: at('app') } }))),
      [],
    );
    // over a container network the proxy's address is unknown: not judged
    const far = proxy([], { targets: [{ host: 'web', port: 8000, at: at('edge') }] });
    assert.deepEqual(
      run(
        trustWiderThanProxies,
        chain(
          far,
          app([], {
            names: ['web'],
            listens: [{ host: '0.0.0.0', port: 8000, at: at('app') }],
            trust: { all: true, at: at('app') },
          }),
        ),
      ),
      [],
    );
  });
});

describe('cross/hsts-twice', () => {
  test('proxy and app both; one of them alone is fine', () => {
    const p = proxy([], { hsts: at('edge', 4) });
    assert.equal(run(hstsTwice, chain(p, app([], { hsts: at('app', 12) }))).length, 1);
    assert.deepEqual(run(hstsTwice, chain(p, app([]))), []);
    assert.deepEqual(run(hstsTwice, chain(proxy([]), app([], { hsts: at('app', 12) }))), []);
  });
});

describe('who the app believes', () => {
  test('the address the proxy connects from, against the trusted ranges', () => {
    assert.ok(
      covers('127.0.0.0/8', '127.0.0.10') && covers('*', '10.1.2.3') && covers('::1', '::1'),
    );
    assert.ok(
      !covers('127.0.0.1', '127.0.0.10') &&
        !covers('10.0.0.0/8', '::1') &&
        !covers('junk', '1.2.3.4'),
    );
    // gunicorn's default (127.0.0.1) does not cover a proxy bound to 127.0.0.10: nothing believed
    const bound = proxy([], { source: '127.0.0.10' });
    const g = app([b('x-forwarded-proto', 'scheme')], { trust: loopbackTrust });
    assert.deepEqual(run(unwrittenHeaderBelieved, chain(bound, g)), []);
    assert.equal(
      run(
        unwrittenHeaderBelieved,
        chain(bound, { ...g, trust: { cidrs: ['127.0.0.10'], at: at('app') } }),
      ).length,
      1,
    );
  });
});
