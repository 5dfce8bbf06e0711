/** The options every example shares: a TLS-terminating proxy on this machine. */
import type { ProxytrustOptions } from '../src/node/index.js';

const probeSecret = process.env.PROXYTRUST_PROBE_SECRET;

/** proxytrust options for a site served as https://app.example.com through a local proxy. */
export function exampleOptions<R>(): ProxytrustOptions<R> {
  return {
    // The proxy connects from loopback; nothing else is believed.
    trustedProxies: ['loopback'],
    allowedHosts: ['app.example.com', 'localhost', '127.0.0.1'],
    // Health checks come over plain http from the load balancer.
    httpsRedirect: { exempt: ['/healthz'] },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    csrf: { trustedOrigins: ['https://admin.example.com'] },
    ...(probeSecret ? { probe: { secret: probeSecret } } : {}),
    onWarning: (w) => console.warn(`proxytrust ${w.code}: ${w.message}`),
  };
}

/** The port to listen on: PORT, or 3000 (0 picks a free one). */
export const port = Number(process.env.PORT ?? 3000);
