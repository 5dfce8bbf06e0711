/**
 * The resolved view (what both the general walk in ./resolve.ts and the fast path in
 * ./fast-path.ts return), the per-field facts the walk gathers, and the per-policy host cache
 * both paths share.
 */
import type { ChainEntry } from './chain.js';
import { type AllowedHosts, type ParsedHost, parseHost } from './host.js';
import type { Policy, PolicyInternals } from './policy.js';
import type { Warning } from './warnings.js';

/** What the server knows about one request before believing any header. */
export interface RequestFacts {
  /** The socket's remote address (`req.socket.remoteAddress`), or the PROXY protocol source. */
  readonly peer: string | undefined;
  /** The request headers: `req.rawHeaders` (best), `req.headers`, or a WHATWG `Headers`. */
  readonly headers: HeaderInputLike;
  /** True when the connection to this server is TLS. */
  readonly encrypted?: boolean;
  /**
   * True when the socket peer presented a client certificate that the server verified as
   * one of your proxies (see `proxytrust/identity`). Trusted only with the policy's
   * `trustVerifiedPeers`. The caller vouches for it; never set it from a header.
   */
  readonly peerVerified?: boolean;
  /**
   * True when the server dropped header lines: the request reached its cap on header lines
   * (Node's `maxHeadersCount`, set by the node layer). A client can push a proxy's appended
   * lines past the cap, so then no forwarded header is believed (HEADERS_TRUNCATED).
   */
  readonly headersTruncated?: boolean;
}

// A local alias keeps this module free of a runtime import of ./headers.js.
type HeaderInputLike = import('./headers.js').HeaderInput;

/** Where a resolved field came from. */
export interface FieldSource {
  /**
   * `socket`, `host` (the Host header), the header it was read from (lower-case), or
   * `unknown` when believed headers disagreed or were malformed (the field failed closed).
   */
  readonly from: string;
  /** The hop whose entry gave it (0 = the socket peer's), or -1 for the socket. */
  readonly hop: number;
}

/** One address on the path from this server to the client. */
export interface Hop {
  /** 0 = the socket peer; i = the client reported by hop i-1. */
  readonly index: number;
  /** Canonical address, or the raw text when it is not an address. */
  readonly address: string;
  /** Whether the policy trusts this address (so its report was read). */
  readonly trusted: boolean;
  /** The entry this hop reported (only when trusted and a chain entry exists). */
  readonly entry?: ChainEntry;
}

/** The resolved view of a request: what the client really asked for, and how we know. */
export interface View {
  /** `https` or `http`. */
  readonly scheme: 'http' | 'https';
  /** `scheme === 'https'`. */
  readonly secure: boolean;
  /** `hostname[:port]`, the port omitted when it is the scheme's default; undefined when no usable host. */
  readonly host: string | undefined;
  /** Lower-case host name without port (IPv6 in brackets); undefined when no usable host. */
  readonly hostname: string | undefined;
  /** The port the client connected to. */
  readonly port: number;
  /**
   * The client's address (canonical); `undefined` when it cannot be known: believed headers
   * disagree about it, an entry is malformed, or the chain names it `unknown` or `_hidden`.
   * Never a trusted proxy's address standing in for an unknown client.
   */
  readonly clientIp: string | undefined;
  /** The client's source port, when a header reported it. */
  readonly clientPort: number | undefined;
  /** Set when the chain names the client as `unknown` or an obfuscated `_id`. */
  readonly clientIdentifier: string | undefined;
  /** The path prefix a proxy strips (X-Forwarded-Prefix), without trailing slash. */
  readonly prefix: string | undefined;
  /** The socket peer, canonical. */
  readonly peer: string;
  /** Whether the socket peer is trusted (and the shared secret, if any, was right). */
  readonly peerTrusted: boolean;
  /** Whether the host is allowed; undefined when the policy has no allowedHosts. */
  readonly hostAllowed: boolean | undefined;
  /** The chain walked (X-Forwarded-For first when both are believed and present), if any. */
  readonly chain: 'forwarded' | 'x-forwarded' | undefined;
  /** The path walked, from the socket peer out to the client. */
  readonly hops: readonly Hop[];
  /** Where scheme, host, port and client IP came from. */
  readonly sources: {
    readonly scheme: FieldSource;
    readonly host: FieldSource;
    readonly port: FieldSource;
    readonly clientIp: FieldSource;
  };
  /** What was odd, with stable codes. Empty when nothing was. */
  readonly warnings: readonly Warning[];
  /** Every field above, `hops` and `sources` included, as plain data (what JSON.stringify uses). */
  toJSON(): object;
}

/** Per-field facts gathered by the walk: value, the header it came from, the hop. @internal */
export interface Facts {
  scheme: 'http' | 'https' | undefined;
  schemeFrom: string | undefined;
  schemeHop: number;
  host: ParsedHost | undefined;
  hostFrom: string | undefined;
  hostHop: number;
  port: number | undefined;
  portFrom: string | undefined;
  portHop: number;
  prefix: string | undefined;
  clientIp: string | undefined;
  clientPort: number | undefined;
  clientFrom: string | undefined;
  clientHop: number;
  clientIdentifier: string | undefined;
  /** The client cannot be known (conflict, malformed entry, `unknown`): clientIp stays undefined. */
  clientUnknown: boolean;
}

/** @internal */
export function emptyFacts(): Facts {
  return {
    scheme: undefined,
    schemeFrom: undefined,
    schemeHop: -1,
    host: undefined,
    hostFrom: undefined,
    hostHop: -1,
    port: undefined,
    portFrom: undefined,
    portHop: -1,
    prefix: undefined,
    clientIp: undefined,
    clientPort: undefined,
    clientFrom: undefined,
    clientHop: -1,
    clientIdentifier: undefined,
    clientUnknown: false,
  };
}

/** @internal */
export const NO_WARNINGS: readonly Warning[] = Object.freeze([]);
const SOCKET: FieldSource = Object.freeze({ from: 'socket', hop: -1 });
const HOST_HEADER: FieldSource = Object.freeze({ from: 'host', hop: -1 });
const DEFAULT_HTTPS: FieldSource = Object.freeze({ from: 'default for https', hop: -1 });
const DEFAULT_HTTP: FieldSource = Object.freeze({ from: 'default for http', hop: -1 });

/** The general walk, re-run for a trace (set by ./resolve.ts, which imports this module). */
type Tracer = (policy: Policy, req: RequestFacts, rec: Hop[] | null) => ResolvedView;
let tracer: Tracer | undefined;
/** @internal */
export function setTracer(t: Tracer): void {
  tracer = t;
}

/**
 * Parse a host through a small per-policy cache: an app sees few distinct hosts, and the
 * parsed result is immutable, so a repeated Host costs a string comparison. Returns the
 * slot that holds it, or -1 when the text is not a valid host. @internal
 */
export function hostSlotOf(p: PolicyInternals, text: string): number {
  const keys = p.hostCacheKeys;
  for (let i = 0; i < keys.length; i++) if (keys[i] === text) return i;
  const h = parseHost(text.trim());
  if (h === undefined) return -1;
  const slot = p.hostCacheNext;
  p.hostCacheNext = (slot + 1) & 7;
  keys[slot] = text;
  p.hostCacheValues[slot] = h;
  p.hostCacheAllowed[slot] = undefined;
  return slot;
}

/** {@link hostSlotOf}'s host itself. @internal */
export function parseHostCached(p: PolicyInternals, text: string): ParsedHost | undefined {
  const slot = hostSlotOf(p, text);
  return slot < 0 ? undefined : p.hostCacheValues[slot];
}

/** `allowed` for the host in `slot`, kept beside it (allowedHosts is fixed per policy). @internal */
export function hostAllowedAt(p: PolicyInternals, allowed: AllowedHosts, slot: number): boolean {
  let a = p.hostCacheAllowed[slot];
  if (a === undefined) {
    a = allowed(p.hostCacheValues[slot]!.hostname);
    p.hostCacheAllowed[slot] = a;
  }
  return a;
}

/** The view both paths build. @internal */
export class ResolvedView implements View {
  #hops: readonly Hop[] | undefined;
  #sources: View['sources'] | undefined;
  constructor(
    readonly scheme: 'http' | 'https',
    readonly host: string | undefined,
    readonly hostname: string | undefined,
    readonly port: number,
    readonly clientIp: string | undefined,
    readonly clientPort: number | undefined,
    readonly clientIdentifier: string | undefined,
    readonly prefix: string | undefined,
    readonly peer: string,
    readonly peerTrusted: boolean,
    readonly hostAllowed: boolean | undefined,
    readonly chain: 'forwarded' | 'x-forwarded' | undefined,
    readonly warnings: readonly Warning[],
    /** The walk's facts; undefined when the fast path answered (recomputed when needed). */
    private facts: Facts | undefined,
    private portSource: string | undefined,
    private readonly policy: Policy,
    private readonly req: RequestFacts,
  ) {}
  get secure(): boolean {
    return this.scheme === 'https';
  }
  /** Computed on first access by walking the chain again, recording each hop. */
  get hops(): readonly Hop[] {
    if (this.#hops === undefined) {
      const rec: Hop[] = [];
      tracer!(this.policy, this.req, rec);
      this.#hops = rec;
    }
    return this.#hops;
  }
  get sources(): View['sources'] {
    if (this.#sources === undefined) {
      if (this.facts === undefined) {
        const again = tracer!(this.policy, this.req, null);
        this.facts = again.facts;
        this.portSource = again.portSource;
      }
      const f = this.facts!;
      this.#sources = {
        scheme: f.schemeFrom ? { from: f.schemeFrom, hop: f.schemeHop } : SOCKET,
        host: f.hostFrom && f.host ? { from: f.hostFrom, hop: f.hostHop } : HOST_HEADER,
        port:
          this.portSource === 'forwarded' && f.portFrom
            ? { from: f.portFrom, hop: f.portHop }
            : this.portSource === 'host'
              ? HOST_HEADER
              : this.scheme === 'https'
                ? DEFAULT_HTTPS
                : DEFAULT_HTTP,
        clientIp: f.clientUnknown
          ? { from: 'unknown', hop: f.clientHop }
          : f.clientFrom
            ? { from: f.clientFrom, hop: f.clientHop }
            : SOCKET,
      };
    }
    return this.#sources;
  }
  toJSON(): object {
    return {
      scheme: this.scheme,
      secure: this.secure,
      host: this.host,
      hostname: this.hostname,
      port: this.port,
      clientIp: this.clientIp,
      clientPort: this.clientPort,
      clientIdentifier: this.clientIdentifier,
      prefix: this.prefix,
      peer: this.peer,
      peerTrusted: this.peerTrusted,
      hostAllowed: this.hostAllowed,
      chain: this.chain,
      hops: this.hops,
      sources: this.sources,
      warnings: this.warnings,
    };
  }
}
