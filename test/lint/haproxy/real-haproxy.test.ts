/**
 * The HAProxy hop model against the real binary: one HAProxy with a frontend per way of
 * writing a forwarded header, in front of a node:http echo server on 127.0.0.1. A client
 * sends its own (forged) header; what reaches the server must be what the model says:
 * `append` keeps the client's value first and adds HAProxy's, `set` leaves only HAProxy's,
 * `if-absent` keeps the client's alone. `option forwardfor` runs after every
 * `http-request` rule (a `del-header` before it leaves HAProxy's value only).
 */
import assert from 'node:assert/strict';
import { haproxyHandler } from '../../../src/lint/haproxy/handler.js';
import type { HeaderWrite } from '../../../src/lint/model.js';
import { type Echo, startEcho, values } from '../../lab/echo.js';
import { labTest, requireBinary } from '../../lab/harness.js';
import { send } from '../lab-writes.js';

interface Case {
  name: string;
  lines: string[];
  header: string;
  /** The model's action for the header (checked against the file, then against HAProxy). */
  action: HeaderWrite['action'];
}

const CASES: Case[] = [
  { name: 'ff', lines: ['option forwardfor'], header: 'x-forwarded-for', action: 'append' },
  {
    name: 'ffnone',
    lines: ['option forwardfor if-none'],
    header: 'x-forwarded-for',
    action: 'if-absent',
  },
  {
    name: 'ffdel',
    lines: ['http-request del-header X-Forwarded-For', 'option forwardfor'],
    header: 'x-forwarded-for',
    action: 'set',
  },
  {
    name: 'ffset',
    lines: ['http-request set-header X-Forwarded-For %[src]', 'option forwardfor'],
    header: 'x-forwarded-for',
    action: 'set',
  },
  {
    name: 'add',
    lines: ['http-request add-header X-Forwarded-Proto https'],
    header: 'x-forwarded-proto',
    action: 'append',
  },
  {
    name: 'set',
    lines: ['http-request set-header X-Forwarded-Proto https'],
    header: 'x-forwarded-proto',
    action: 'set',
  },
  {
    name: 'absent',
    lines: [
      'http-request set-header X-Forwarded-Proto https unless { req.hdr(X-Forwarded-Proto) -m found }',
    ],
    header: 'x-forwarded-proto',
    action: 'if-absent',
  },
  {
    name: 'plainonly',
    lines: [
      'http-request set-header X-Forwarded-Proto https if { ssl_fc }',
      'http-request set-header X-Forwarded-Proto http if !{ ssl_fc }',
    ],
    header: 'x-forwarded-proto',
    action: 'set',
  },
  {
    name: 'del',
    lines: ['http-request del-header Forwarded'],
    header: 'forwarded',
    action: 'clear',
  },
];

const FORGED = '203.0.113.66';

/** The values of one header as the app received them, in order (lines and commas). */
const split = (echo: Echo, name: string): string[] =>
  values(echo, name).flatMap((v) => v.split(',').map((x) => x.trim()));

labTest('HAProxy writes forwarded headers the way the lint model says', async (lab) => {
  const haproxy = requireBinary('/usr/sbin/haproxy');
  const app = await startEcho(lab);
  const ports = new Map<string, number>();
  for (const c of CASES) ports.set(c.name, await lab.freePort());
  const config = `global
  log stderr format raw local0 notice

defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s

${CASES.map(
  (c) => `frontend ${c.name}
  bind 127.0.0.1:${ports.get(c.name)}
${c.lines.map((l) => `  ${l}`).join('\n')}
  default_backend app
`,
).join('\n')}
backend app
  server echo 127.0.0.1:${app.port}
`;
  const file = lab.writeFile('haproxy.cfg', config);
  // the model first: what lint says each frontend writes
  const parsed = haproxyHandler.parse(file, config, {});
  assert.deepEqual(parsed.problems, []);
  const hops = haproxyHandler.model!(parsed.input);
  for (const c of CASES) {
    const hop = hops.find((h) => h.label.startsWith(`haproxy frontend ${c.name} `));
    assert.ok(hop, c.name);
    const w = hop.writes.find((x) => x.name === c.header);
    assert.equal(w?.action, c.action, `${c.name}: model`);
    assert.equal(w?.onlyTls, undefined, `${c.name}: written on plain http too`);
  }
  // then the real HAProxy
  const p = lab.spawn('haproxy', haproxy, ['-db', '-f', file]);
  for (const port of ports.values()) await lab.waitForPort(port, { process: p });
  for (const c of CASES) {
    const forged = c.header === 'x-forwarded-for' ? FORGED : 'https-forged';
    const got = split(await send(ports.get(c.name)!, [[c.header, forged]]), c.header);
    const absent = split(await send(ports.get(c.name)!, []), c.header);
    switch (c.action) {
      case 'append':
        assert.equal(got[0], forged, `${c.name}: the client's value first: ${got}`);
        assert.ok(got.length >= 2, `${c.name}: HAProxy's added: ${got}`);
        break;
      case 'set':
        assert.ok(!got.includes(forged) && got.length >= 1, `${c.name}: only HAProxy's: ${got}`);
        break;
      case 'if-absent':
        assert.deepEqual(got, [forged], `${c.name}: the client's alone`);
        assert.equal(absent.length, 1, `${c.name}: HAProxy's when the client sent none`);
        break;
      case 'clear':
        assert.deepEqual(got, [], `${c.name}: removed`);
        break;
    }
  }
});
