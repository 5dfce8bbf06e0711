/**
 * The cross-file rules on the lab's own deployments: each Django scenario's real proxy
 * configuration (rendered by the same code that starts the proxy in the lab), its gunicorn
 * or uwsgi command line (the same argv) as a Procfile (none under mod_wsgi, where Apache runs
 * Django itself), and its settings as a settings.py. The
 * scenarios whose proxy and app disagree are found by the named rule; the others get no
 * cross-file finding.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { lintTexts } from '../../../src/lint/engine.js';
import { DJANGO_PROXY_SETTINGS, djangoSettingsPy, shellWord } from '../../lab/django-files.js';
import { requireBinary } from '../../lab/harness.js';
import { scenarios } from '../../lab/scenarios.js';
import { djangoServerCommand } from '../../lab/start.js';
import type { DjangoAppSpec, HopContext, HopSpec, Scenario } from '../../lab/types.js';

const FILE_NAME: Record<HopSpec['kind'], string> = {
  nginx: 'nginx.conf',
  haproxy: 'haproxy.cfg',
  caddy: 'Caddyfile',
  apache: 'apache2.conf',
};

/**
 * What the cross-file rules must find on each Django scenario, and why. A scenario not
 * listed must get none.
 */
const EXPECTED: Record<string, { rules: string[]; why: string }> = {
  'django-trusts-xfssl-haproxy-passes': {
    rules: ['cross/unwritten-header-believed'],
    why: "Django believes X-Forwarded-Ssl, which HAProxy sets only on TLS: over plain http the client's own value reaches Django (the audit's proto-spoof FAIL)",
  },
  'django-gunicorn-trusts-proxy-xfssl-passes': {
    rules: ['cross/trust-wider-than-proxies'],
    why: "gunicorn trusts '*' while nginx connects from 127.0.0.10: wider than the proxy (the vendor header it passes is refused by gunicorn's agreement check, so it is not believed)",
  },
  'django-gunicorn-trusts-proxy-stripped': {
    rules: ['cross/trust-wider-than-proxies'],
    why: "gunicorn trusts '*' while nginx connects from 127.0.0.10",
  },
  'django-use-xfh-proxy-passes-probe': {
    rules: ['cross/unwritten-header-believed'],
    why: "Django believes X-Forwarded-Host (USE_X_FORWARDED_HOST), which nginx passes through from the client (only ALLOWED_HOSTS stops a forged one: the audit's forwarded-host-spoof warning)",
  },
  'django-haproxy-gunicorn-allow-ips-mismatch-probe': {
    rules: ['cross/trust-wider-than-proxies'],
    why: 'gunicorn trusts 10.0.0.2, a peer that is not the proxy (127.0.0.10)',
  },
  'django-apache-gunicorn-trusts-proxy-xfprotocol-passes-probe': {
    rules: ['cross/trust-wider-than-proxies'],
    why: "gunicorn trusts '*' while Apache connects from 127.0.0.10 (the X-Forwarded-Protocol Apache passes is refused by gunicorn's agreement check)",
  },
  'django-uwsgi-nginx-proto-tls-only': {
    rules: ['cross/unwritten-header-believed'],
    why: "nginx sets X-Forwarded-Proto only over TLS (a map that passes the client's over http): Django and uwsgi both believe the client's own value over plain http (the audit's proto-spoof FAIL)",
  },
  'django-modwsgi-trusts-xfprotocol-haproxy-passes': {
    rules: ['cross/unwritten-header-believed'],
    why: "Django under mod_wsgi believes X-Forwarded-Protocol, which HAProxy sets only on TLS: over plain http the client's own value reaches Django (the audit's proto-spoof FAIL)",
  },
};

/** A scenario's expectation: its own, else (for `<name>-probe`) the one without the probe. */
const expected = (name: string) => EXPECTED[name] ?? EXPECTED[name.replace(/-probe$/, '')];

/** The lab's Django scenarios (gunicorn, uwsgi and mod_wsgi). */
const django = scenarios.filter(
  (s): s is Scenario & { app: DjangoAppSpec } => s.app.kind === 'django',
);

/** The scenario's deployment as files, and its chain from the edge to the settings. */
function files(s: Scenario & { app: DjangoAppSpec }) {
  const out: { name: string; text: string }[] = [];
  const appPort = 8000;
  s.hops.forEach((hop, i) => {
    const next = s.hops[i + 1];
    const ctx: HopContext = {
      dir: '/srv/lab',
      name: hop.name,
      httpPort: hop.plainHttp ? 8080 + i * 10 : 0,
      httpsPort: hop.tls ? 8443 + i * 10 : 0,
      upstream: next
        ? { host: '127.0.0.1', port: 8080 + (i + 1) * 10, tls: false }
        : { host: s.app.ipv6 ? '::1' : '127.0.0.1', port: appPort, tls: false },
      certPath: '/srv/lab/cert.pem',
      keyPath: '/srv/lab/key.pem',
      pemPath: '/srv/lab/both.pem',
    };
    out.push({ name: `${hop.name}/${FILE_NAME[hop.kind]}`, text: hop.config(ctx) });
  });
  const server = djangoServerCommand(s.app, appPort);
  if (server)
    out.push({
      name: 'Procfile',
      text: `web: ${server.program} ${server.argv.map(shellWord).join(' ')}\n`,
    });
  // mod_wsgi: Apache runs Django in its own process, so the settings sit right behind the proxy
  out.push({ name: 'settings.py', text: djangoSettingsPy(s.app.settings) });
  return { files: out, chain: out.map((f) => f.name) };
}

describe('cross-file rules on the lab deployments', () => {
  test('the lab has Django scenarios, and every expectation names one', () => {
    assert.ok(django.length >= 10, `${django.length} Django scenarios`);
    for (const name of Object.keys(EXPECTED))
      assert.ok(
        django.some((s) => s.name === name),
        name,
      );
  });

  for (const s of django) {
    test(`${s.name}: ${expected(s.name)?.rules.join(', ') || 'no cross-file finding'}`, () => {
      const { files: f, chain } = files(s);
      const r = lintTexts(f, { chains: [chain] });
      assert.deepEqual(r.notes ?? [], [], 'every file of the chain describes its hop');
      assert.ok((r.chains?.length ?? 0) >= 1, 'the declared chain was checked');
      const got = [...new Set(r.results.flatMap((x) => x.findings).map((x) => x.rule))]
        .filter((id) => id.startsWith('cross/'))
        .sort();
      assert.deepEqual(
        got,
        [...(expected(s.name)?.rules ?? [])].sort(),
        `${expected(s.name)?.why ?? 'proxy and app agree'}\n${JSON.stringify(
          r.results.flatMap((x) => x.findings.filter((y) => y.rule.startsWith('cross/'))),
          null,
          1,
        )}`,
      );
    });
  }
});

describe("the rendered settings are the lab's settings", () => {
  const dir = mkdtempSync(join(tmpdir(), 'pt-lab-settings-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  test('Python reads the same values from settings.py as labsite/settings.py from the environment', () => {
    const python = requireBinary('/usr/bin/python3');
    for (const s of django) {
      const rendered = join(dir, `${s.name.replace(/\W/g, '_')}.py`);
      writeFileSync(rendered, djangoSettingsPy(s.app.settings));
      const script = `
import importlib.util, json, sys
def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m
keys = json.loads(sys.argv[3])
a, b = load('lab', sys.argv[1]), load('rendered', sys.argv[2])
print(json.dumps([[k, getattr(a, k, None), getattr(b, k, None)] for k in keys if getattr(a, k, None) != getattr(b, k, None)]))
`;
      const r = spawnSync(
        python,
        [
          '-c',
          script,
          join(import.meta.dirname, '../../lab/django/labsite/settings.py'),
          rendered,
          JSON.stringify(DJANGO_PROXY_SETTINGS),
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, LAB_DJANGO_SETTINGS: JSON.stringify(s.app.settings) },
        },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), [], `${s.name}: settings differ`);
    }
  });
});
