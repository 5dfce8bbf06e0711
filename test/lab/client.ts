/**
 * The lab's HTTP client: connects to a loopback address while asking for a name (SNI and
 * Host given explicitly, no DNS), from a chosen local address, with header lines sent
 * exactly as given (duplicates included), bounded in time.
 */
import http from 'node:http';
import https from 'node:https';
import { DEFAULT_PROBE_PATH, PROBE_HEADER, signProbe } from '../../src/node/probe-auth.js';
import type { ProbeAnswer } from './node-app.js';
import { CLIENT_ADDRESS } from './types.js';

export interface LabRequest {
  /** `https://app.example.com:1234/path`: the name is sent as SNI and Host. */
  readonly url: string;
  /**
   * Where to connect instead of resolving the URL's name and port (curl's `--connect-to`):
   * the address (default 127.0.0.1) and the port (default the URL's).
   */
  readonly connect?: { readonly host?: string; readonly port?: number };
  readonly method?: string;
  /** Extra header lines, in order; a name may repeat. `host` replaces the URL's Host. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string;
  /** The local address to connect from (default {@link CLIENT_ADDRESS}). */
  readonly localAddress?: string;
  /** The CA to trust (PEM). */
  readonly ca?: string;
  readonly timeoutMs?: number;
}

export interface LabResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: string;
}

/** One request; never follows redirects. */
export function request(req: LabRequest): Promise<LabResponse> {
  const u = new URL(req.url);
  const tls = u.protocol === 'https:';
  const lines: string[] = [];
  let hostSent = false;
  for (const [n, v] of req.headers ?? []) {
    if (n.toLowerCase() === 'host') hostSent = true;
    lines.push(n, v);
  }
  if (!hostSent) lines.unshift('Host', u.host);
  if (req.body !== undefined) lines.push('Content-Length', String(Buffer.byteLength(req.body)));
  const options: https.RequestOptions = {
    host: req.connect?.host ?? '127.0.0.1',
    port: req.connect?.port ?? (Number(u.port) || (tls ? 443 : 80)),
    path: `${u.pathname}${u.search}`,
    method: req.method ?? 'GET',
    localAddress: req.localAddress ?? CLIENT_ADDRESS,
    setHost: false,
    agent: false,
    headers: lines as unknown as http.OutgoingHttpHeaders,
    timeout: req.timeoutMs ?? 10000,
  };
  if (tls) {
    options.servername = u.hostname;
    if (req.ca !== undefined) options.ca = req.ca;
  }
  return new Promise((ok, fail) => {
    const r = (tls ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        ok({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', fail);
    });
    r.on('timeout', () => r.destroy(new Error(`${r.method} ${req.url}: timed out`)));
    r.on('error', (e) => fail(new Error(`${req.method ?? 'GET'} ${req.url}: ${e.message}`)));
    r.end(req.body);
  });
}

type ProbeRequest = Omit<LabRequest, 'url'> & { readonly origin: string; readonly secret: string };

/** Ask the app's authenticated probe; the answer, or the status it answered instead. */
export async function tryProbe(
  req: ProbeRequest,
): Promise<{ status: number; answer: ProbeAnswer | undefined; body: string }> {
  const res = await request({
    ...req,
    url: `${req.origin}${DEFAULT_PROBE_PATH}`,
    headers: [...(req.headers ?? []), [PROBE_HEADER, signProbe(req.secret, DEFAULT_PROBE_PATH)]],
  });
  return {
    status: res.status,
    answer: res.status === 200 ? (JSON.parse(res.body) as ProbeAnswer) : undefined,
    body: res.body,
  };
}

/** Ask the app's authenticated probe what it believed about this request (200 or throw). */
export async function probe(req: ProbeRequest): Promise<ProbeAnswer> {
  const r = await tryProbe(req);
  if (r.answer === undefined) {
    throw new Error(`probe via ${req.origin} answered ${r.status}: ${r.body.slice(0, 300)}`);
  }
  return r.answer;
}
