/**
 * The lab's raw client: one request written byte for byte over TCP or TLS (duplicate lines,
 * odd names, absolute-form targets and thousands of lines reach the proxy as written), from
 * a chosen loopback address, bounded in time and size. Node's own HTTP client normalises
 * too much for a forged-request corpus; this one only frames the response.
 */
import net from 'node:net';
import tls from 'node:tls';
import { dechunk, headerLines } from '../adapters/raw-http.js';
import { CLIENT_ADDRESS } from './types.js';

/** Where and how to send. */
export interface RawTarget {
  /** 127.0.0.1 by default. */
  readonly host?: string;
  readonly port: number;
  /** Speak TLS, with this SNI name and CA (PEM). */
  readonly tls?: { readonly servername: string; readonly ca: string };
  /** The local address to connect from (default {@link CLIENT_ADDRESS}). */
  readonly localAddress?: string;
  /** Default 10000 ms. */
  readonly timeoutMs?: number;
}

/** A framed response. */
export interface RawReply {
  readonly status: number;
  /** Header lines in order, names lower-cased. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

/** The response may not exceed this (the app's answers are small). */
const MAX_REPLY = 1 << 20;

/** Frame an HTTP/1.x response read until the server closed (or the body is complete). */
export function parseReply(buf: Buffer): RawReply | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) throw new Error(`not an HTTP response: ${statusLine.slice(0, 80)}`);
  const headers = headerLines(lines);
  const get = (n: string) => headers.find(([k]) => k === n)?.[1];
  let body = buf.subarray(end + 4);
  if (/chunked/i.test(get('transfer-encoding') ?? '')) body = dechunk(body);
  else {
    const len = get('content-length');
    if (len !== undefined) body = body.subarray(0, Number(len));
  }
  return { status: Number(m[1]), headers, body: body.toString('utf8') };
}

/** True once `buf` holds a whole response (by Content-Length or the last chunk). */
function complete(buf: Buffer): boolean {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = buf.subarray(0, end).toString('latin1');
  const len = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (len) return buf.length - end - 4 >= Number(len[1]);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return buf.includes('\r\n0\r\n\r\n', end);
  return false;
}

/**
 * Send `text` (a whole request, CRLFs included) on a fresh connection and frame the answer.
 * Resolves once a complete response arrived or the server closed; rejects on a timeout, a
 * connection error before any answer, or a connection closed without one.
 */
export function rawExchange(target: RawTarget, text: string | Buffer): Promise<RawReply> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const opts = {
      host: target.host ?? '127.0.0.1',
      port: target.port,
      localAddress: target.localAddress ?? CLIENT_ADDRESS,
    };
    const socket: net.Socket = target.tls
      ? tls.connect({ ...opts, servername: target.tls.servername, ca: target.tls.ca }, () =>
          socket.write(text),
        )
      : net.connect(opts, () => socket.write(text));
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const buf = Buffer.concat(chunks);
      if (buf.length === 0) {
        fail(err ?? new Error(`connection to ${opts.port} closed without an answer`));
        return;
      }
      try {
        const reply = parseReply(buf);
        if (reply) ok(reply);
        else
          fail(new Error(`incomplete answer from ${opts.port}: ${buf.toString('latin1', 0, 200)}`));
      } catch (e) {
        fail(e as Error);
      }
    };
    const timer = setTimeout(
      () => finish(new Error(`no answer from ${opts.port} within ${target.timeoutMs ?? 10000} ms`)),
      target.timeoutMs ?? 10000,
    );
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size > MAX_REPLY)
        finish(new Error(`answer from ${opts.port} exceeds ${MAX_REPLY} bytes`));
      else if (complete(Buffer.concat(chunks))) finish();
    });
    // A reset after a complete answer is not a failure: finish() frames what arrived.
    socket.on('error', (e) => finish(e));
    socket.on('end', () => finish());
    socket.on('close', () => finish());
  });
}

/** Build a request's text: the request line, the header lines as given, then a blank line. */
export function requestText(
  target: string,
  headers: readonly (readonly [string, string])[],
  method = 'GET',
): string {
  const lines = [`${method} ${target} HTTP/1.1`, ...headers.map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}
