/**
 * The HAProxy parser: words as HAProxy 2.x splits them, sections and defaults inheritance,
 * ACL conditions, positions, and the hop model of typical files (the lab's own configs
 * among them). Malformed input never throws.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { detectKind, lintText } from '../../../src/lint/engine.js';
import { haproxyHandler } from '../../../src/lint/haproxy/handler.js';
import { haproxyAddress } from '../../../src/lint/haproxy/model.js';
import { parseHaproxy, splitLine } from '../../../src/lint/haproxy/parser.js';
import { proxiesOf } from '../../../src/lint/haproxy/proxy.js';
import type { HopModel } from '../../../src/lint/model.js';

const model = (text: string, file = 'haproxy.cfg'): HopModel[] => {
  const p = haproxyHandler.parse(file, text, {});
  return [...haproxyHandler.model!(p.input)];
};
const proxies = (text: string) => proxiesOf(parseHaproxy('haproxy.cfg', text));

describe('words', () => {
  test('quotes, escapes, comments and environment variables', () => {
    assert.deepEqual(splitLine('  http-request set-header X-A "a b" # comment').words, [
      'http-request',
      'set-header',
      'X-A',
      'a b',
    ]);
    assert.deepEqual(splitLine("a 'x\\y' b\\ c d\\#e f#g").words, ['a', 'x\\y', 'b c', 'd#e', 'f']);
    assert.deepEqual(splitLine('a "x\\"y" pre"mid"post \\x41').words, [
      'a',
      'x"y',
      'premidpost',
      'A',
    ]);
    assert.deepEqual(splitLine('set-header X ""').words, ['set-header', 'X', '']);
    assert.equal(splitLine(`bind "\${ADDR}:80"`).unknown, true);
    assert.equal(splitLine(`bind '\${ADDR}:80'`).unknown, false);
    assert.equal(splitLine('bind :80').unknown, false);
  });

  test('no line continuation: a trailing backslash is a problem, the next line its own', () => {
    const f = parseHaproxy('h.cfg', 'frontend fe\n  bind :80 \\\n    ssl\n');
    assert.equal(f.problems.length, 1);
    assert.equal(f.problems[0]!.line, 2);
    assert.deepEqual(
      f.sections[0]!.lines.map((l) => l.words[0]),
      ['bind', 'ssl'],
    );
  });

  test('an unterminated quote is a problem', () => {
    const f = parseHaproxy('h.cfg', 'frontend fe\n  http-request set-header X "abc\n');
    assert.match(f.problems[0]!.message, /unterminated double quote/);
  });

  test('lines and columns point at the statement', () => {
    const f = parseHaproxy(
      'h.cfg',
      '# top\n\nfrontend fe\n\tbind :80\n    option forwardfor # x\n',
    );
    const [bind, opt] = f.sections[0]!.lines;
    assert.deepEqual([bind!.line, bind!.col, bind!.text], [4, 2, 'bind :80']);
    assert.deepEqual([opt!.line, opt!.col, opt!.text], [5, 5, 'option forwardfor']);
    assert.deepEqual([f.sections[0]!.header.line, f.sections[0]!.name], [3, 'fe']);
  });

  test('malformed input never throws', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.constantFrom(
              'frontend',
              'defaults x from y',
              'backend b',
              '{',
              '}',
              'if',
              'unless',
              '!',
              '"',
              "'",
              '\\',
              'http-request set-header',
              'option forwardfor header',
              'bind',
              'server',
              'reqrep',
              'acl a ssl_fc',
              'use_backend',
            ),
          ),
          { maxLength: 30 },
        ),
        (parts) => {
          const text = parts.join(Math.random() < 0.5 ? '\n' : ' ');
          const p = haproxyHandler.parse('haproxy.cfg', text, {});
          haproxyHandler.model!(p.input);
          lintText(text, 'haproxy');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('sections and defaults', () => {
  test('a proxy takes the last defaults before it, or the named one with from', () => {
    const ps = proxies(`defaults base
  mode http
  option forwardfor

defaults tcpd
  mode tcp

frontend a from base
  bind :80
  default_backend b

frontend c
  bind :81
  default_backend b

backend b from base
  no option forwardfor
  server s 10.0.0.1:80
`);
    const [a, c, b] = ps;
    assert.equal(a!.mode, 'http');
    assert.ok(a!.forwardfor);
    assert.equal(a!.defaults?.name, 'base');
    assert.equal(c!.mode, 'tcp');
    assert.equal(c!.forwardfor, undefined);
    assert.equal(b!.forwardfor, undefined, 'no option forwardfor cancels the inherited one');
  });

  test('option forwardfor and option forwarded parameters', () => {
    const [fe, be] = proxies(`frontend fe
  mode http
  option forwardfor except 127.0.0.0/8 header X-Client if-none
  default_backend be
backend be
  mode http
  option forwarded proto host for_port
  server s 10.0.0.1:80
`);
    assert.deepEqual(
      { ...fe!.forwardfor, line: undefined },
      { line: undefined, ifNone: true, header: 'x-client', except: '127.0.0.0/8' },
    );
    assert.deepEqual(be!.forwarded?.params, ['proto', 'host', 'for_port']);
  });

  test('conditions: ssl_fc inline and by name, header presence, others', () => {
    const [fe] = proxies(`frontend fe
  mode http
  acl is_tls ssl_fc
  acl has_xfp req.hdr(X-Forwarded-Proto) -m found
  http-request set-header A 1 if { ssl_fc }
  http-request set-header B 1 if !{ ssl_fc }
  http-request set-header C 1 unless is_tls
  http-request set-header D 1 unless has_xfp
  http-request set-header E 1 if !{ hdr_cnt(E) gt 0 }
  http-request set-header F 1 if { path_beg /api }
  http-request set-header G 1 if is_tls || { path /x }
  http-request del-header H
`);
    const c = Object.fromEntries(fe!.rules.map((r) => [r.shown, r.cond]));
    assert.equal(c.A!.tls, true);
    assert.equal(c.B!.tls, false);
    assert.equal(c.C!.tls, false);
    assert.equal(c.D!.absent, 'x-forwarded-proto');
    assert.equal(c.E!.absent, 'e');
    assert.equal(c.F!.other, true);
    assert.equal(c.G!.other, true);
    assert.equal(c.G!.tls, undefined);
    assert.deepEqual(c.H, { text: '' });
  });

  test('1.x reqadd, reqidel and reqrep', () => {
    const [fe] = proxies(`frontend fe
  reqidel ^X-Forwarded-Proto:.*
  reqadd X-Forwarded-Proto:\\ https if { ssl_fc }
  reqirep ^X-Real-IP:.* X-Real-IP:\\ 1.2.3.4
`);
    assert.deepEqual(
      fe!.rules.map((r) => [r.action, r.name, r.value ?? null, r.cond.tls ?? null, r.legacy]),
      [
        ['del', 'x-forwarded-proto', null, null, true],
        ['add', 'x-forwarded-proto', 'https', true, true],
        ['set', 'x-real-ip', '1.2.3.4', null, true],
      ],
    );
  });
});

describe('the hop model', () => {
  test('binds, TLS, targets, source, writes and HSTS', () => {
    const [hop, ...rest] = model(`defaults
  mode http
  option forwardfor

frontend www
  bind :80
  bind 10.0.0.2:443 ssl crt /etc/ssl/site.pem alpn h2
  bind unix@/run/haproxy.sock
  http-request redirect scheme https unless { ssl_fc }
  http-request set-header X-Forwarded-Proto https if { ssl_fc }
  http-request add-header X-Forwarded-Host %[req.hdr(host)]
  http-request del-header Forwarded
  http-response set-header Strict-Transport-Security max-age=31536000
  use_backend api if { path_beg /api }
  default_backend web

backend web
  source 10.0.0.2
  server w1 10.0.1.1:8000 check
  server w2 ipv6@[fd00::1]:8000
  server w3 unix@/run/app.sock

backend api
  server a1 api.internal:9000
`);
    assert.equal(rest.length, 0);
    assert.deepEqual(
      hop!.listens.map((l) => [l.host ?? null, l.port ?? null, l.socket ?? null, l.tls ?? false]),
      [
        [null, 80, null, false],
        ['10.0.0.2', 443, null, true],
        [null, null, '/run/haproxy.sock', false],
      ],
    );
    assert.deepEqual(
      hop!.targets.map((t) => [t.host ?? null, t.port ?? null, t.socket ?? null]),
      [
        ['api.internal', 9000, null],
        ['10.0.1.1', 8000, null],
        ['fd00::1', 8000, null],
        [null, null, '/run/app.sock'],
      ],
    );
    assert.equal(hop!.source, '10.0.0.2');
    assert.deepEqual(hop!.hsts, { file: 'haproxy.cfg', line: 13, col: 3 });
    const w = Object.fromEntries(hop!.writes.map((x) => [x.name, x]));
    assert.equal(w['x-forwarded-proto']!.action, 'set');
    assert.equal(w['x-forwarded-proto']!.onlyTls, true);
    assert.equal(w['x-forwarded-host']!.action, 'append');
    assert.equal(w.forwarded!.action, 'clear');
    assert.equal(w['x-forwarded-for']!.action, 'append');
    assert.equal(w['x-forwarded-for']!.at.line, 3, 'the option in defaults');
  });

  test("the lab's own config: a header set if { ssl_fc } and if !{ ssl_fc } is one set", () => {
    const rules = [
      'http-request set-header X-Forwarded-Proto https if { ssl_fc }',
      'http-request set-header X-Forwarded-Proto http if !{ ssl_fc }',
      'http-request set-header X-Forwarded-Host %[req.hdr(host)]',
      'http-request set-header X-Forwarded-For %[src]',
      'http-request del-header X-Forwarded-Port',
      'http-request del-header X-Forwarded-Prefix',
      'http-request del-header Forwarded',
      'http-request set-header X-Forwarded-Ssl on if { ssl_fc }',
    ];
    const text = `# generated by test/lab/proxies.ts
global
  log stderr format raw local0 notice

defaults
  mode http
  log global
  timeout connect 5s

frontend fe
  bind 127.0.0.1:20080
  bind 127.0.0.1:20443 ssl crt /tmp/lab/cert.pem
${rules.map((r) => `  ${r}`).join('\n')}
  default_backend app

backend app
  source 127.0.0.2
  server app 127.0.0.1:20000
`;
    assert.equal(detectKind('haproxy.cfg', text), 'haproxy');
    const [hop] = model(text);
    const w = Object.fromEntries(hop!.writes.map((x) => [x.name, x]));
    assert.deepEqual(Object.keys(w).sort(), [
      'forwarded',
      'x-forwarded-for',
      'x-forwarded-host',
      'x-forwarded-port',
      'x-forwarded-prefix',
      'x-forwarded-proto',
      'x-forwarded-ssl',
    ]);
    assert.equal(w['x-forwarded-proto']!.action, 'set');
    assert.equal(w['x-forwarded-proto']!.onlyTls, undefined);
    assert.equal(w['x-forwarded-ssl']!.onlyTls, true);
    assert.equal(w['x-forwarded-for']!.action, 'set');
    assert.equal(hop!.source, '127.0.0.2');
    assert.deepEqual(
      hop!.targets.map((t) => `${t.host}:${t.port}`),
      ['127.0.0.1:20000'],
    );
    assert.deepEqual(
      hop!.listens.map((l) => l.tls ?? false),
      [false, true],
    );
    // the lab's deliberately wrong X-Forwarded-Ssl (TLS only, the client's kept over http)
    assert.deepEqual(
      lintText(text, 'haproxy').findings.map((f) => [f.rule, f.line]),
      [['haproxy/scheme-header-not-forced', 20]],
    );
  });

  test('a tcp frontend writes nothing; a listen section is its own backend', () => {
    const [tcp, lst] = model(`frontend tls
  mode tcp
  bind :443
  default_backend b
backend b
  mode tcp
  server s 10.0.0.1:443
listen web
  mode http
  bind :8080
  http-request set-header X-Forwarded-Proto http
  server s 10.0.0.1:80
`);
    assert.deepEqual(tcp!.writes, []);
    const [old] = model('listen stats 127.0.0.1:8404\n  mode http\n  server s 10.0.0.1:80\n');
    assert.deepEqual(
      old!.listens.map((l) => [l.host, l.port]),
      [['127.0.0.1', 8404]],
    );
    assert.deepEqual(
      lst!.targets.map((t) => t.port),
      [80],
    );
    assert.equal(lst!.writes[0]!.name, 'x-forwarded-proto');
  });

  test('set-src believes a header from the peers its condition names', () => {
    const [hop] = model(`frontend fe
  mode http
  bind :80
  http-request set-src hdr(x-forwarded-for) if { src 10.0.0.0/8 192.168.0.0/16 }
  default_backend b
backend b
  server s 10.0.0.1:80
`);
    assert.deepEqual(
      hop!.believes.map((b) => [b.name, b.purpose, b.leftmost ?? false]),
      [['x-forwarded-for', 'client', false]],
    );
    assert.deepEqual(hop!.trust?.cidrs, ['10.0.0.0/8', '192.168.0.0/16']);
  });

  test('addresses', () => {
    assert.deepEqual(haproxyAddress(':443'), { port: 443 });
    assert.deepEqual(haproxyAddress('*:80'), { port: 80 });
    assert.deepEqual(haproxyAddress('ipv6@:::80'), { host: '::', port: 80 });
    assert.deepEqual(haproxyAddress('[::1]:8000'), { host: '::1', port: 8000 });
    assert.deepEqual(haproxyAddress('/run/x.sock'), { socket: '/run/x.sock' });
    assert.deepEqual(haproxyAddress('app'), { host: 'app' });
    assert.deepEqual(haproxyAddress(`\${HOST}:8080`), { port: 8080 });
    assert.deepEqual(haproxyAddress(':8000-8010'), {});
  });
});

describe('detection', () => {
  test('by name and unmistakable content', () => {
    const fe = 'frontend fe\n  bind :80\n  default_backend b\n';
    assert.equal(haproxyHandler.detect('x/proxy.conf', fe), 3);
    assert.equal(detectKind('x/proxy.conf', fe), 'haproxy');
    assert.equal(haproxyHandler.detect('haproxy.cfg', 'global\n  daemon\n'), 2);
    assert.equal(haproxyHandler.detect('setup.cfg', '[metadata]\nname = x\n'), 0);
    const nginx =
      'server {\n  listen 80;\n  location / { proxy_pass http://a; }\n}\nupstream a {\n  server 10.0.0.1:80 weight=2;\n}\n';
    assert.equal(haproxyHandler.detect('site.conf', nginx), 0);
    assert.equal(detectKind('site.conf', nginx), 'nginx');
  });
});
