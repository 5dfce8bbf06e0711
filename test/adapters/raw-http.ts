/**
 * A raw HTTP/1.x client over `net`, for tests that need what ordinary clients refuse to
 * send: duplicate Host lines, absolute-form targets, a chosen source address, huge headers.
 */
import net from 'node:net';

/** A parsed response. */
export interface RawResponse {
  readonly status: number;
  /** Header lines in order, names lower-cased. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
  /** The first value of a header, or undefined. */
  header(name: string): string | undefined;
  /** Every value of a header (one per line). */
  all(name: string): string[];
}

/** What to send. */
export interface RawRequest {
  readonly method?: string;
  readonly target?: string;
  /** Header lines, sent in order, duplicates included. `Connection: close` is added. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string;
  /** The local address to connect from (127.0.0.2 is an untrusted peer in these tests). */
  readonly from?: string;
  readonly version?: '1.0' | '1.1';
  /** Send this exact text instead of building a request. */
  readonly raw?: string;
}

/** Decode a chunked body (test servers only: no trailers, no bounds beyond the buffer). */
export function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  while (i < body.length) {
    const eol = body.indexOf('\r\n', i);
    if (eol < 0) break;
    const size = Number.parseInt(body.subarray(i, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Response header lines as `[lower-case name, value]`, in order. */
export function headerLines(lines: readonly string[]): (readonly [string, string])[] {
  return lines.map((l) => {
    const c = l.indexOf(':');
    return [l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim()] as const;
  });
}

/** Send one request on a fresh connection and read the response until the server closes. */
export function rawRequest(port: number, req: RawRequest): Promise<RawResponse> {
  const text =
    req.raw ??
    (() => {
      const lines = [`${req.method ?? 'GET'} ${req.target ?? '/'} HTTP/${req.version ?? '1.1'}`];
      for (const [k, v] of req.headers ?? []) lines.push(`${k}: ${v}`);
      lines.push('Connection: close');
      if (req.body !== undefined) {
        if (!(req.headers ?? []).some(([k]) => k.toLowerCase() === 'content-type')) {
          lines.push('Content-Type: text/plain');
        }
        lines.push(`Content-Length: ${Buffer.byteLength(req.body)}`);
      }
      return `${lines.join('\r\n')}\r\n\r\n${req.body ?? ''}`;
    })();
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: req.from ?? '127.0.0.1' });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response within 5 s for ${text.slice(0, 80)}`));
    }, 5000);
    socket.on('connect', () => socket.write(text));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (err) => {
      // A reset after a complete response (the server closed first) is not a failure.
      if (chunks.length === 0) {
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) {
        reject(new Error(`incomplete response: ${JSON.stringify(all.toString('latin1'))}`));
        return;
      }
      const head = all.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(head[0]!.split(' ')[1]);
      const headers = headerLines(head.slice(1));
      let body: Buffer = all.subarray(end + 4);
      if (headers.some(([k, v]) => k === 'transfer-encoding' && /chunked/i.test(v))) {
        body = dechunk(body);
      }
      resolvePromise({
        status,
        headers,
        body: body.toString('utf8'),
        header: (name) => headers.find(([k]) => k === name)?.[1],
        all: (name) => headers.filter(([k]) => k === name).map(([, v]) => v),
      });
    });
  });
}

/**
 * A request as an appending proxy forwards it after a client pushed Node's header cap:
 * `first` lines (the client's forged ones), `junk` lines, then `last` (the lines the proxy
 * appended; HAProxy `option forwardfor` adds its own line at the end). `Connection: close`
 * comes second, so it survives a cut.
 */
export function behindJunk(
  first: readonly (readonly [string, string])[],
  junk: number,
  last: readonly (readonly [string, string])[],
): [string, string][] {
  const lines: [string, string][] = [
    [first[0]![0], first[0]![1]],
    ['Connection', 'close'],
  ];
  for (const [k, v] of first.slice(1)) lines.push([k, v]);
  for (let i = 0; i < junk; i++) lines.push([`A${String(i).padStart(4, '0')}`, 'x']);
  for (const [k, v] of last) lines.push([k, v]);
  return lines;
}
