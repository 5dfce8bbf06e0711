/**
 * An incremental PROXY protocol decoder: feed it chunks as they arrive. The answer after
 * the last chunk is the same whether the bytes came at once or one at a time.
 */
import { decodeProxyHeader } from './decode.js';
import {
  DEFAULT_MAX_HEADER_SIZE,
  type DecodeResult,
  type ProxyHeader,
  ProxyProtocolError,
} from './types.js';

/** Options of {@link ProxyHeaderDecoder}. */
export interface ProxyHeaderDecoderOptions {
  /** The largest header accepted, in bytes (default 16384). */
  readonly maxHeaderSize?: number;
}

/**
 * Feed chunks with {@link ProxyHeaderDecoder.push} until it answers `complete` or
 * `invalid`. After `complete`, {@link ProxyHeaderDecoder.rest} holds the application bytes
 * that followed the header in the chunks fed so far. Never throws.
 */
export class ProxyHeaderDecoder {
  readonly #max: number;
  #buf: Uint8Array | undefined;
  #result: DecodeResult = { status: 'incomplete' };
  #rest: Uint8Array = new Uint8Array(0);

  constructor(options?: ProxyHeaderDecoderOptions) {
    this.#max = options?.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
  }

  /** The last answer (`incomplete` before any bytes). */
  get result(): DecodeResult {
    return this.#result;
  }

  /** The decoded header once complete, else undefined. */
  get header(): ProxyHeader | undefined {
    return this.#result.status === 'complete' ? this.#result.header : undefined;
  }

  /** The bytes after the header (empty until complete). */
  get rest(): Uint8Array {
    return this.#rest;
  }

  /** How many bytes are buffered while the header is incomplete. */
  get buffered(): number {
    return this.#buf?.length ?? 0;
  }

  /** Feed the next chunk. After a final answer, further chunks only extend `rest`. */
  push(chunk: Uint8Array): DecodeResult {
    const r = this.#result;
    if (r.status === 'invalid') return r;
    if (r.status === 'complete') {
      this.#rest = concat(this.#rest, chunk);
      return r;
    }
    const all = this.#buf ? concat(this.#buf, chunk) : chunk;
    const res = decodeProxyHeader(all, { maxHeaderSize: this.#max });
    if (res.status === 'incomplete') {
      // Own the bytes: the caller may reuse its chunk.
      this.#buf = all === chunk ? chunk.slice() : all;
      return res;
    }
    this.#buf = undefined;
    if (res.status === 'complete') this.#rest = all.subarray(res.length);
    this.#result = res;
    return res;
  }

  /**
   * The stream ended. An incomplete header becomes a `TRUNCATED` failure; a final answer
   * is returned unchanged.
   */
  end(): DecodeResult {
    if (this.#result.status === 'incomplete') {
      const had = this.buffered;
      this.#buf = undefined;
      this.#result = {
        status: 'invalid',
        error: new ProxyProtocolError(
          'TRUNCATED',
          had === 0
            ? 'the connection ended before any PROXY header byte'
            : `the connection ended after ${had} byte(s) of an incomplete PROXY header`,
        ),
      };
    }
    return this.#result;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
