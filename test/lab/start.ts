/**
 * Start a scenario by name: the app (in this process for Node; for Django under gunicorn,
 * uwsgi or mod_wsgi), then
 * every proxy hop in parallel, each on free loopback ports with generated configuration and
 * the run's certificate, readiness polled. `stop()` (or the caller's Lab teardown) kills
 * exactly what was started.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWsgiApp, type WsgiAppOptions, wsgiCommand } from './app-servers.js';
import {
  type CertificateAuthority,
  type IssuedCert,
  Lab,
  type LabProcess,
  requireBinary,
} from './harness.js';
import { startNodeApp } from './node-app.js';
import { startProbeApp } from './probe-apps.js';
import { scenarios } from './scenarios.js';
import {
  APP_HOST,
  type DjangoAppSpec,
  type GroundTruth,
  type HopContext,
  type HopKind,
  type HopSpec,
  type Scenario,
  type Via,
  type ViewFacts,
} from './types.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The binaries, as Debian installs them (scripts/setup.sh). */
export const BINARIES = {
  nginx: '/usr/sbin/nginx',
  haproxy: '/usr/sbin/haproxy',
  caddy: '/usr/bin/caddy',
  apache: '/usr/sbin/apache2',
} as const;

/** A running scenario. */
export interface ScenarioHandle {
  readonly name: string;
  readonly scenario: Scenario;
  /**
   * `https://app.example.com` (the client-facing TLS entry), if the chain has one. The
   * name and the default port are what the client asks for (SNI, Host, redirects); connect
   * to `ports.https` on 127.0.0.1 instead (see `connectTo`).
   */
  readonly httpsUrl: string | undefined;
  /** `http://app.example.com` (the plain-http entry, e.g. for health checks), if any. */
  readonly httpUrl: string | undefined;
  /** The real loopback ports of the entries (0 when absent). */
  readonly ports: { readonly https: number; readonly http: number };
  /**
   * curl-style `--connect-to` entries, `app.example.com:443:127.0.0.1:<port>` and
   * `app.example.com:80:127.0.0.1:<port>`: how to reach httpsUrl/httpUrl (and the
   * redirects between them) on loopback, with no DNS.
   */
  readonly connectTo: readonly string[];
  /**
   * curl-style `--resolve` entries, `app.example.com:<port>:127.0.0.1`, for clients that
   * use the real ports in the URL instead. Then Host carries the port, so the resolved
   * host does too, and redirects to https://app.example.com/ need `connectTo`.
   */
  readonly resolve: readonly string[];
  /** `{ host: '127.0.0.1', port }` of an entry, for {@link request}'s `connect`. */
  connect(via: Via): { readonly host: string; readonly port: number };
  /** The run's CA certificate (PEM file) and its text. */
  readonly cacertPath: string;
  readonly ca: string;
  /** The Node app's probe secret (undefined for Django targets, which have no probe). */
  readonly probeSecret: string | undefined;
  readonly groundTruth: GroundTruth;
  /** The app itself, reached directly (bypassing every proxy): `http://127.0.0.1:<port>`. */
  readonly appUrl: string;
  /** The address:port the app listens on (for direct connections). */
  readonly app: { readonly host: string; readonly port: number };
  /**
   * What a client connecting from `clientAddress` to `httpsUrl`/`httpUrl` (through
   * `connectTo`) really asked for, and its address: what a correct app must conclude.
   */
  truth(via: Via, clientAddress: string): ViewFacts;
  /** Every process's logs (for failure reports). */
  logs(): string;
  /** Stop everything this scenario started. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /**
   * A lab to start processes in (e.g. the one `labTest` gives); its teardown then stops the
   * scenario too. By default the scenario has its own, torn down by `stop()`.
   */
  readonly lab?: Lab;
}

// One CA and one certificate per run (per test process), made on first use.
let shared: Promise<{ ca: CertificateAuthority; cert: IssuedCert }> | undefined;
function sharedCertificates(): Promise<{ ca: CertificateAuthority; cert: IssuedCert }> {
  shared ??= (async () => {
    const lab = new Lab('proxytrust-lab-ca-');
    process.once('exit', () => rmSync(lab.dir, { recursive: true, force: true }));
    const ca = await lab.makeCa();
    const cert = await ca.issueCert(APP_HOST, {
      dns: [`*.${APP_HOST.split('.').slice(1).join('.')}`],
    });
    return { ca, cert };
  })();
  return shared;
}

/** Find a scenario by name, or throw listing the names. */
export function getScenario(name: string): Scenario {
  const s = scenarios.find((x) => x.name === name);
  if (!s) {
    throw new Error(`no lab scenario "${name}"; known: ${scenarios.map((x) => x.name).join(', ')}`);
  }
  return s;
}

function spawnHop(lab: Lab, kind: HopKind, name: string, configPath: string): LabProcess {
  switch (kind) {
    case 'nginx':
      return lab.spawn(`${name} (nginx)`, requireBinary(BINARIES.nginx), [
        '-e',
        'stderr',
        '-p',
        join(lab.dir, name),
        '-c',
        configPath,
        '-g',
        'daemon off; master_process off;',
      ]);
    case 'haproxy':
      return lab.spawn(`${name} (haproxy)`, requireBinary(BINARIES.haproxy), [
        '-db',
        '-f',
        configPath,
      ]);
    case 'caddy':
      return lab.spawn(
        `${name} (caddy)`,
        requireBinary(BINARIES.caddy),
        ['run', '--adapter', 'caddyfile', '--config', configPath],
        {
          env: {
            ...process.env,
            HOME: join(lab.dir, name),
            XDG_DATA_HOME: join(lab.dir, name, 'data'),
            XDG_CONFIG_HOME: join(lab.dir, name, 'config'),
          },
        },
      );
    case 'apache':
      // Foreground, its own configuration only (no /etc/apache2, no system service).
      return lab.spawn(`${name} (apache)`, requireBinary(BINARIES.apache), [
        '-f',
        configPath,
        '-DFOREGROUND',
      ]);
  }
}

/** One GET /healthz straight to the app (retried while it boots), within 60 s. */
async function warmUp(host: string, port: number, p: LabProcess): Promise<void> {
  const deadline = Date.now() + 60000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = httpRequest(
        { host, port, path: '/healthz', headers: { host: APP_HOST }, timeout: 30000 },
        (res) => {
          res.resume();
          res.on('end', () => resolve(true));
        },
      );
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
    if (ok) return;
    if (p.hasExited() || Date.now() > deadline) {
      throw new Error(`${p.name} did not answer GET /healthz:\n${p.logs()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How the lab serves its Django site with these settings (the server's options). */
function djangoWsgiOptions(app: DjangoAppSpec, probeSecret?: string): WsgiAppOptions {
  const server = app.server ?? 'gunicorn';
  if (app.forwardedAllowIps !== undefined && server !== 'gunicorn') {
    throw new Error(`forwardedAllowIps is a gunicorn setting, not ${server}'s`);
  }
  return {
    server,
    pythonPath: [join(here, 'django')],
    module: 'labsite.wsgi',
    host: app.ipv6 ? '::1' : '127.0.0.1',
    env: {
      LAB_DJANGO_SETTINGS: JSON.stringify(app.settings),
      LAB_PROBE_DIR: join(here, '..', '..', 'probes', 'django'),
      ...(probeSecret ? { PROXYTRUST_PROBE_SECRET: probeSecret } : {}),
    },
    gunicornArgs: [
      // Threads, so that the audit's few parallel requests do not queue behind each other.
      '--threads',
      '4',
      // gunicorn's own default, made explicit: it rewrites wsgi.url_scheme only for peers in
      // this list, and the proxies connect from 127.0.0.10/.11, so Django's settings decide.
      '--forwarded-allow-ips',
      app.forwardedAllowIps ?? '127.0.0.1',
    ],
  };
}

/**
 * The command line of the WSGI server that serves the lab's Django site, exactly as the lab
 * runs it (also linted: test/lint/cross/lab.test.ts); none under mod_wsgi.
 */
export const djangoServerCommand = (app: DjangoAppSpec, port: number) =>
  wsgiCommand(djangoWsgiOptions(app), port);

/**
 * Start the lab's Django site with these settings under the scenario's WSGI server
 * (gunicorn by default, uwsgi or Apache mod_wsgi); resolves when it answers.
 */
async function startDjango(
  lab: Lab,
  app: DjangoAppSpec,
  probeSecret: string | undefined,
): Promise<{ host: string; port: number }> {
  const running = await startWsgiApp(lab, djangoWsgiOptions(app, probeSecret));
  // Django imports most of itself on the first request: answer one before the scenario
  // counts as started, so that no test's first request pays for it.
  await warmUp(running.host, running.port, running.process);
  return running;
}

/**
 * Start the scenario `name`. Rejects (after stopping what it started, unless a lab was
 * given) when a binary is missing or a component fails to come up; the error carries the
 * logs.
 */
export async function startScenario(
  name: string,
  opts: StartOptions = {},
): Promise<ScenarioHandle> {
  const scenario = getScenario(name);
  const own = opts.lab === undefined;
  const lab = opts.lab ?? new Lab(`proxytrust-lab-${name}-`);
  try {
    return await start(scenario, lab, own);
  } catch (e) {
    if (own) {
      const logs = lab.allLogs();
      await lab.teardown();
      throw new Error(`${(e as Error).message}\n[lab] ${name} logs:\n${logs}`);
    }
    throw e;
  }
}

/** The loopback ports of one started hop (0 when it has no such entry), and its configuration. */
export interface HopPorts {
  readonly https: number;
  readonly http: number;
  /** The configuration file the hop runs, as rendered. */
  readonly configPath: string;
}

/**
 * Start `hops` (outermost first) in front of `app`, in parallel, each on free loopback
 * ports with its rendered configuration and the run's certificate; resolves with each
 * hop's ports once every entry listens. Each hop forwards to the next one's plain-http
 * port, the last one to `app`. Processes belong to `lab` (its teardown stops them).
 * `prefix` names the hops' files and directories `<prefix>-<hop>`, so several chains can
 * share one lab.
 */
export async function startHops(
  lab: Lab,
  hops: readonly HopSpec[],
  app: { readonly host: string; readonly port: number },
  opts: { readonly label?: string; readonly prefix?: string } = {},
): Promise<HopPorts[]> {
  const label = opts.label ?? opts.prefix ?? 'chain';
  for (const hop of hops) requireBinary(BINARIES[hop.kind]);
  const certs = sharedCertificates();
  // Ports for every hop, outermost first; each forwards to the next one's plain port.
  const ports = await Promise.all(
    hops.map(async (hop) => ({
      https: hop.tls ? await lab.freePort() : 0,
      http: hop.plainHttp ? await lab.freePort() : 0,
      configPath: '',
    })),
  );
  const { cert } = await certs;
  const started: Promise<void>[] = [];
  hops.forEach((hop, i) => {
    const next = hops[i + 1];
    const upstream = next
      ? { host: '127.0.0.1', port: ports[i + 1]!.http, tls: false as const }
      : { host: app.host, port: app.port, tls: false as const };
    if (next && !next.plainHttp) {
      throw new Error(`${label}: hop ${next.name} must listen for plain http`);
    }
    const name = opts.prefix ? `${opts.prefix}-${hop.name}` : hop.name;
    mkdirSync(join(lab.dir, name), { recursive: true });
    const ctx: HopContext = {
      dir: lab.dir,
      name,
      httpPort: ports[i]!.http,
      httpsPort: ports[i]!.https,
      upstream,
      certPath: cert.certPath,
      keyPath: cert.keyPath,
      pemPath: cert.pemPath,
    };
    const configPath = lab.writeFile(
      `${name}.${hop.kind === 'caddy' ? 'Caddyfile' : 'conf'}`,
      hop.config(ctx),
    );
    ports[i]!.configPath = configPath;
    const p = spawnHop(lab, hop.kind, name, configPath);
    for (const port of [ctx.httpPort, ctx.httpsPort]) {
      if (port) started.push(lab.waitForPort(port, { process: p, timeoutMs: 15000 }));
    }
  });
  await Promise.all(started);
  return ports;
}

/** The run's CA (one per test process, made on first use), for clients to trust. */
export async function labCa(): Promise<CertificateAuthority> {
  return (await sharedCertificates()).ca;
}

async function start(scenario: Scenario, lab: Lab, own: boolean): Promise<ScenarioHandle> {
  // Fail early (never skip) on a missing binary.
  for (const hop of scenario.hops) requireBinary(BINARIES[hop.kind]);
  const probeSecret =
    scenario.app.kind !== 'django' || scenario.app.probe
      ? randomBytes(24).toString('base64url')
      : undefined;

  // The app first: the innermost hop needs its port.
  let app: { host: string; port: number };
  if (scenario.app.kind === 'node') {
    const running = await startNodeApp({
      policy: scenario.app.policy,
      probeSecret: probeSecret!,
      host: scenario.app.ipv6 ? '::1' : '127.0.0.1',
    });
    lab.onTeardown(() => running.close());
    app = running;
  } else if (scenario.app.kind === 'django') {
    app = await startDjango(lab, scenario.app, probeSecret);
  } else {
    app = await startProbeApp(lab, scenario.app, probeSecret!);
  }

  const ports = await startHops(lab, scenario.hops, app, { label: scenario.name });

  const { ca } = await sharedCertificates();
  const front = ports[0]!;
  const httpsUrl = front.https ? `https://${APP_HOST}` : undefined;
  const httpUrl = front.http ? `http://${APP_HOST}` : undefined;
  const appHostText = app.host.includes(':') ? `[${app.host}]` : app.host;
  return {
    name: scenario.name,
    scenario,
    httpsUrl,
    httpUrl,
    ports: { https: front.https, http: front.http },
    connectTo: [
      ...(front.https ? [`${APP_HOST}:443:127.0.0.1:${front.https}`] : []),
      ...(front.http ? [`${APP_HOST}:80:127.0.0.1:${front.http}`] : []),
    ],
    resolve: [front.https, front.http]
      .filter((p) => p !== 0)
      .map((p) => `${APP_HOST}:${p}:127.0.0.1`),
    connect(via) {
      const port = via === 'https' ? front.https : front.http;
      if (!port) throw new Error(`${scenario.name} has no ${via} entry`);
      return { host: '127.0.0.1', port };
    },
    cacertPath: ca.certPath,
    ca: ca.cert,
    probeSecret,
    groundTruth: scenario.groundTruth,
    appUrl: `http://${appHostText}:${app.port}`,
    app,
    truth(via, clientAddress) {
      if (!(via === 'https' ? front.https : front.http)) {
        throw new Error(`${scenario.name} has no ${via} entry`);
      }
      return {
        scheme: via,
        host: APP_HOST,
        port: via === 'https' ? 443 : 80,
        clientIp: clientAddress,
      };
    },
    logs: () => lab.allLogs(),
    stop: () => (own ? lab.teardown() : Promise.resolve()),
  };
}
