/**
 * Start a probe app (types.ts ProbeAppSpec): the lab's small site on Flask (gunicorn or
 * uwsgi, with the WSGI probe), Starlette (uvicorn, with the ASGI probe), or Express, Fastify
 * and Koa (in this process, with the standalone Node probe). Processes belong to the lab.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAsgiApp, startWsgiApp } from './app-servers.js';
import { startFrameworkApp } from './framework-apps.js';
import type { Lab } from './harness.js';
import type { ProbeAppSpec } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const SITE_DIR = join(here, 'probe-apps');
const PROBE_DIR = (kind: 'wsgi' | 'asgi') => join(here, '..', '..', 'probes', kind);

/** Start `app` with the probe secret; resolves with where it listens. */
export async function startProbeApp(
  lab: Lab,
  app: ProbeAppSpec,
  secret: string,
): Promise<{ host: string; port: number }> {
  const env = { PROXYTRUST_PROBE_SECRET: secret };
  switch (app.kind) {
    case 'wsgi':
      return startWsgiApp(lab, {
        server: app.server,
        pythonPath: [SITE_DIR, PROBE_DIR('wsgi')],
        module: 'flasksite',
        env: { ...env, LAB_PROXYFIX: app.proxyFix ? '1' : '0' },
        gunicornArgs: ['--threads', '4'],
      });
    case 'asgi':
      return startAsgiApp(lab, {
        pythonPath: [SITE_DIR, PROBE_DIR('asgi')],
        app: 'starsite:app',
        env,
        uvicornArgs: app.uvicornArgs,
      });
    case 'framework': {
      const running = await startFrameworkApp(app, secret);
      lab.onTeardown(() => running.close());
      return running;
    }
  }
}
