/**
 * What the lab asserts for a Django reference target, from outside, exactly as the ground
 * truth's observations say (so the audit's expectations rest on observed behaviour):
 * redirects, the health check, HSTS, cookie flags, a foreign Host, a foreign-origin POST,
 * Django's own belief (`/__django/`), and that forwarded headers a client sends through
 * the proxy change nothing.
 */
import assert from 'node:assert/strict';
import { spoofHeaders } from './check.js';
import { request } from './client.js';
import type { ScenarioHandle } from './start.js';
import { APP_HOST, SPOOF_ATTEMPTS, SPOOFED } from './types.js';

/** What Django said it believed (GET /__django/). */
export interface DjangoBelief {
  readonly scheme: string;
  readonly secure: boolean;
  readonly host: string;
  readonly absolute: string;
  readonly remote_addr: string;
}

export async function checkDjangoScenario(h: ScenarioHandle): Promise<void> {
  const gt = h.groundTruth;
  const obs = gt.django;
  assert.ok(obs && h.httpsUrl && h.httpUrl, `${h.name} is not a Django scenario`);
  const https = (path: string, extra: Parameters<typeof request>[0] | object = {}) =>
    request({ url: `${h.httpsUrl}${path}`, connect: h.connect('https'), ca: h.ca, ...extra });
  const http = (path: string, extra: object = {}) =>
    request({ url: `${h.httpUrl}${path}`, connect: h.connect('http'), ...extra });

  // Django's belief over https, honest and under every spoof attempt.
  const beliefs = await Promise.all(
    [[], ...SPOOF_ATTEMPTS.map((a) => spoofHeaders(a, 'https'))].map((headers) =>
      https('/__django/', { headers }),
    ),
  );
  for (const [i, res] of beliefs.entries()) {
    const what = i === 0 ? 'honest' : `spoof ${SPOOF_ATTEMPTS[i - 1]}`;
    const attempt = i === 0 ? undefined : SPOOF_ATTEMPTS[i - 1];
    const refusal: { attempt: string; status: number } | undefined = obs.refusedSpoofs?.find(
      (r) => r.attempt === attempt,
    );
    if (refusal) {
      assert.equal(res.status, refusal.status, `${h.name} ${what}: refused by the app server`);
      continue;
    }
    if (obs.httpsScheme === 'redirect-loop') {
      assert.equal(res.status, 301, `${h.name} ${what}: /__django/ over https`);
      assert.equal(res.headers.location, `https://${APP_HOST}/__django/`, `${h.name}: a loop`);
    } else {
      assert.equal(res.status, 200, `${h.name} ${what}: /__django/ over https: ${res.body}`);
      const b = JSON.parse(res.body) as DjangoBelief;
      assert.equal(b.scheme, obs.httpsScheme, `${h.name} ${what}: Django's scheme`);
      assert.equal(b.host, obs.djangoHost ?? APP_HOST, `${h.name} ${what}: Django's host`);
    }
  }

  // Plain requests.
  const b = gt.behaviour;
  const [root, health, sroot] = await Promise.all([http('/'), http('/healthz'), https('/')]);
  assert.equal(root.status, b.httpRoot, `${h.name}: GET / over http`);
  if (root.status === 301) assert.equal(root.headers.location, `https://${APP_HOST}/`);
  assert.equal(health.status, b.httpHealth, `${h.name}: GET /healthz over http`);
  assert.equal(sroot.status, b.httpsRoot, `${h.name}: GET / over https`);

  // A client's X-Forwarded-Proto over http never skips the redirect (the proxy overwrites
  // it), unless the scenario names it as the header that leaks over http.
  if (obs.httpSpoof?.header.toLowerCase() !== 'x-forwarded-proto') {
    const spoofed = await http('/', { headers: spoofHeaders('x-forwarded-proto', 'http') });
    assert.equal(spoofed.status, b.httpRoot, `${h.name}: X-Forwarded-Proto: https over http`);
  }
  if (obs.httpSpoof) {
    const leak = await http('/', { headers: [[obs.httpSpoof.header, obs.httpSpoof.value]] });
    assert.equal(
      leak.status,
      obs.httpSpoof.status,
      `${h.name}: ${obs.httpSpoof.header}: ${obs.httpSpoof.value} over http`,
    );
  }

  if (obs.hsts !== undefined) {
    assert.equal(
      typeof sroot.headers['strict-transport-security'] === 'string',
      obs.hsts,
      `${h.name}: HSTS on an https page: ${sroot.headers['strict-transport-security']}`,
    );
  }
  if (obs.secureCookies !== undefined) {
    const form = await https('/form/');
    const cookies = [...(sroot.headers['set-cookie'] ?? []), ...(form.headers['set-cookie'] ?? [])];
    for (const name of ['sessionid', 'csrftoken']) {
      const c = cookies.find((x) => x.startsWith(`${name}=`));
      assert.ok(c, `${h.name}: ${name} cookie set over https: ${JSON.stringify(cookies)}`);
      assert.equal(/;\s*secure\b/i.test(c), obs.secureCookies, `${h.name}: ${c}`);
    }
  }
  if (obs.foreignHost !== undefined) {
    const res = await https('/', { headers: [['Host', SPOOFED.host]] });
    assert.equal(res.status, obs.foreignHost, `${h.name}: Host: ${SPOOFED.host}`);
    if (res.status === 200) assert.ok(res.body.includes(SPOOFED.host), 'the host is reflected');
  }
  if (obs.foreignPost !== undefined) {
    const res = await https('/form/', {
      method: 'POST',
      headers: [
        ['Origin', `https://${SPOOFED.host}`],
        ['Referer', `https://${SPOOFED.host}/form/`],
        ['Content-Type', 'application/x-www-form-urlencoded'],
      ],
      body: 'x=1',
    });
    assert.equal(res.status, obs.foreignPost, `${h.name}: foreign-origin POST`);
  }
  if (obs.ownPost !== undefined) {
    const form = await https('/form/');
    const cookie = (form.headers['set-cookie'] ?? []).find((c) => c.startsWith('csrftoken='));
    const field = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(form.body)?.[1];
    assert.ok(cookie && field, `${h.name}: GET /form/ issues the CSRF cookie and field`);
    const res = await https('/form/', {
      method: 'POST',
      headers: [
        ['Origin', `https://${APP_HOST}`],
        ['Referer', `https://${APP_HOST}/form/`],
        ['Cookie', cookie.split(';')[0]!],
        ['Content-Type', 'application/x-www-form-urlencoded'],
      ],
      body: `csrfmiddlewaretoken=${encodeURIComponent(field)}`,
    });
    assert.equal(res.status, obs.ownPost, `${h.name}: same-origin POST with the token`);
  }
}
