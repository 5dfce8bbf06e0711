/**
 * The probe apps (test/lab/probe-scenarios.ts) behind real nginx, checked from outside
 * against their ground truth before the audit relies on it: what the framework itself
 * believes (GET /__app/), honest and with a forged X-Forwarded-For; that the probe answers
 * the same; the redirects, the health check, HSTS, a foreign Host and the origin check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request, tryProbe } from './client.js';
import { inLab } from './harness.js';
import { probeScenarios } from './probe-scenarios.js';
import { startScenario } from './start.js';
import { APP_HOST, CLIENT_ADDRESS, HOP_ADDRESSES, SPOOFED } from './types.js';

interface Belief {
  readonly scheme: string;
  readonly host: string;
  readonly ip: string | null;
}

test('lab: probe apps (WSGI, ASGI, Node frameworks) behind nginx', {
  concurrency: 4,
  timeout: 240000,
}, async (t) => {
  const runs = probeScenarios.map((s) =>
    t.test(s.name, { timeout: 90000 }, (st) =>
      inLab(st, s.name, async (lab) => {
        const h = await startScenario(s.name, { lab });
        const obs = h.groundTruth.probeApp!;
        const b = h.groundTruth.behaviour;
        const https = (path: string, o: object = {}) =>
          request({ url: `${h.httpsUrl}${path}`, connect: h.connect('https'), ca: h.ca, ...o });
        const http = (path: string, o: object = {}) =>
          request({ url: `${h.httpUrl}${path}`, connect: h.connect('http'), ...o });
        const forged: [string, string][] = [['X-Forwarded-For', SPOOFED.ip]];
        const client = obs.clientIp === 'client' ? CLIENT_ADDRESS : HOP_ADDRESSES.edge;

        // The framework's own belief, honest and forged, and the probe's answer for each.
        for (const [label, headers, ip] of [
          ['honest', [], client],
          ['forged X-Forwarded-For', forged, obs.forgedXffBelieved ? SPOOFED.ip : client],
        ] as const) {
          const res = await https('/__app/', { headers });
          assert.equal(res.status, 200, `${s.name} ${label}: /__app/`);
          const v = JSON.parse(res.body) as Belief;
          assert.equal(v.scheme, obs.httpsScheme, `${s.name} ${label}: the framework's scheme`);
          assert.equal(v.host, APP_HOST, `${s.name} ${label}: the framework's host`);
          assert.equal(v.ip, ip, `${s.name} ${label}: the framework's client`);
          const p = await tryProbe({
            origin: h.httpsUrl!,
            connect: h.connect('https'),
            ca: h.ca,
            secret: h.probeSecret!,
            headers,
          });
          assert.equal(p.status, 200, `${s.name} ${label}: probe ${p.body.slice(0, 200)}`);
          assert.equal(p.answer!.view.scheme, v.scheme, `${s.name} ${label}: probe scheme`);
          assert.equal(p.answer!.view.host, v.host, `${s.name} ${label}: probe host`);
          assert.equal(p.answer!.view.clientIp, v.ip, `${s.name} ${label}: probe client`);
        }

        // A forged X-Forwarded-Host: the framework's host, and the site's answer.
        const xfh: [string, string][] = [['X-Forwarded-Host', 'evil.example']];
        const withXfh = JSON.parse((await https('/__app/', { headers: xfh })).body) as Belief;
        assert.equal(
          withXfh.host,
          obs.forgedXfhBelieved ? 'evil.example' : APP_HOST,
          `${s.name}: the framework's host with a forged X-Forwarded-Host`,
        );
        const xfhRoot = await https('/', { headers: xfh });
        assert.equal(
          xfhRoot.status,
          obs.forgedXfhBelieved ? 400 : b.httpsRoot,
          `${s.name}: GET / with it`,
        );
        assert.doesNotMatch(xfhRoot.body, /evil\.example/);

        // Plain requests, a foreign Host, HSTS, and the origin check.
        assert.equal((await http('/')).status, b.httpRoot, `${s.name}: GET / over http`);
        assert.equal(
          (await http('/healthz')).status,
          b.httpHealth,
          `${s.name}: /healthz over http`,
        );
        const root = await https('/');
        assert.equal(root.status, b.httpsRoot, `${s.name}: GET / over https`);
        if (obs.httpsScheme === 'http') {
          assert.equal(
            root.headers.location,
            `https://${APP_HOST}/`,
            `${s.name}: redirected to itself`,
          );
        } else {
          assert.equal(root.headers['strict-transport-security'], 'max-age=31536000');
          assert.match(String(root.headers['set-cookie']), /; Secure; HttpOnly; SameSite=Lax/);
        }
        const foreign = await https('/', { headers: [['Host', 'evil.example']] });
        assert.equal(foreign.status, 400, `${s.name}: a foreign Host`);
        assert.doesNotMatch(foreign.body, /evil\.example/);
        const post = (origin: string) =>
          https('/form', {
            method: 'POST',
            headers: [
              ['Origin', origin],
              ['Content-Type', 'application/x-www-form-urlencoded'],
            ],
            body: 'a=1',
          });
        const own = await post(`https://${APP_HOST}`);
        const evil = await post('https://evil.example');
        if (obs.httpsScheme === 'http') {
          assert.equal(own.status, 301, `${s.name}: a POST over https is redirected to itself`);
          assert.equal(evil.status, 301);
        } else {
          assert.equal(own.status, 200, `${s.name}: a same-origin POST`);
          assert.equal(evil.status, 403, `${s.name}: a foreign-origin POST`);
        }
      }),
    ),
  );
  await Promise.all(runs);
});
