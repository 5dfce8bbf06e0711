/**
 * The decoded form of a v2 header: its address block and TLVs are checked in full when
 * the header is decoded (decode.ts). The addresses are read then; the TLVs are kept as one
 * latin1 string and turned into values only when read. The string is the header's own
 * copy, so a header never keeps the socket chunk it was decoded from alive, and later
 * changes to that chunk cannot reach it. @internal
 */
import { Buffer } from 'node:buffer';
import type {
  ProxyCommand,
  ProxyFamily,
  ProxyHeader,
  ProxyHeaderJson,
  ProxySslInfo,
  ProxyTlv,
  ProxyTransport,
} from './types.js';

/**
 * The TLV bytes (everything after the address block) as a latin1 string (one char per
 * byte). An own enumerable property with a symbol key: invisible to
 * `Object.keys` and JSON, but compared by `assert.deepStrictEqual`, so two headers are
 * deep-equal exactly when their addresses and TLVs are.
 */
export const RAW: unique symbol = Symbol('proxytrust.proxy-protocol.tlv-bytes') as never;
const BYTES = Symbol('bytes');
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Offsets into the raw string: the value of each known single-use TLV, -1 when absent. */
interface Index {
  alpn: number;
  authority: number;
  crc: number;
  uniqueId: number;
  ssl: number;
  netns: number;
  gcp: number;
  aws: number;
  azure: number;
}

function len(raw: string, valueAt: number): number {
  return (raw.charCodeAt(valueAt - 2) << 8) | raw.charCodeAt(valueAt - 1);
}

/** UTF-8 text (already validated at decode) from its latin1 form `raw[s, e)`. */
function utf8Text(raw: string, s: number, e: number): string {
  for (let i = s; i < e; i++) {
    if (raw.charCodeAt(i) > 0x7f) return utf8.decode(Buffer.from(raw.slice(s, e), 'latin1'));
  }
  return raw.slice(s, e);
}

function be32(raw: string, at: number): number {
  return (
    ((raw.charCodeAt(at) << 24) |
      (raw.charCodeAt(at + 1) << 16) |
      (raw.charCodeAt(at + 2) << 8) |
      raw.charCodeAt(at + 3)) >>>
    0
  );
}

/** The TLVs of `raw[s, e)` (already framed exactly), values as views into `bytes`. */
function list(raw: string, s: number, e: number, bytes: Uint8Array): ProxyTlv[] {
  const out: ProxyTlv[] = [];
  for (let i = s; i < e; ) {
    const vs = i + 3;
    const ve = vs + len(raw, vs);
    out.push({ type: raw.charCodeAt(i), value: bytes.subarray(vs, ve) });
    i = ve;
  }
  return out;
}

/** A v2 header. The fixed fields and the addresses are plain properties; the TLVs are read on demand. */
export class V2Header implements ProxyHeader {
  readonly version = 2 as const;
  readonly command: ProxyCommand;
  readonly family: ProxyFamily;
  readonly transport: ProxyTransport;
  readonly addresses: ProxyHeader['addresses'];
  readonly [RAW]: string;
  #index: Index | undefined;
  #bytes: Uint8Array | undefined;
  #tlvs: ProxyTlv[] | undefined;
  #ssl: SslInfo | undefined;

  constructor(
    command: ProxyCommand,
    family: ProxyFamily,
    transport: ProxyTransport,
    addresses: ProxyHeader['addresses'],
    raw: string,
  ) {
    this.command = command;
    this.family = family;
    this.transport = transport;
    this.addresses = addresses;
    this[RAW] = raw;
  }

  /** The TLV bytes, copied once from the string on first need. @internal */
  [BYTES](): Uint8Array {
    let b = this.#bytes;
    if (b === undefined) {
      const raw = this[RAW];
      b = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) b[i] = raw.charCodeAt(i);
      this.#bytes = b;
    }
    return b;
  }

  #idx(): Index {
    let x = this.#index;
    if (x !== undefined) return x;
    x = {
      alpn: -1,
      authority: -1,
      crc: -1,
      uniqueId: -1,
      ssl: -1,
      netns: -1,
      gcp: -1,
      aws: -1,
      azure: -1,
    };
    const raw = this[RAW];
    for (let i = 0; i < raw.length; ) {
      const vs = i + 3;
      const n = len(raw, vs);
      switch (raw.charCodeAt(i)) {
        case 0x01:
          x.alpn = vs;
          break;
        case 0x02:
          x.authority = vs;
          break;
        case 0x03:
          x.crc = vs;
          break;
        case 0x05:
          x.uniqueId = vs;
          break;
        case 0x20:
          x.ssl = vs;
          break;
        case 0x30:
          x.netns = vs;
          break;
        case 0xe0:
          x.gcp = vs;
          break;
        case 0xea:
          if (raw.charCodeAt(vs) === 0x01) x.aws = vs;
          break;
        case 0xee:
          if (raw.charCodeAt(vs) === 0x01) x.azure = vs;
          break;
        default:
          break;
      }
      i = vs + n;
    }
    this.#index = x;
    return x;
  }

  get tlvs(): readonly ProxyTlv[] {
    let t = this.#tlvs;
    if (t === undefined) {
      const raw = this[RAW];
      t = raw.length === 0 ? [] : list(raw, 0, raw.length, this[BYTES]());
      this.#tlvs = t;
    }
    return t;
  }

  get alpn(): string | undefined {
    const at = this.#idx().alpn;
    return at < 0 ? undefined : this[RAW].slice(at, at + len(this[RAW], at));
  }

  get authority(): string | undefined {
    const at = this.#idx().authority;
    if (at < 0) return undefined;
    return utf8Text(this[RAW], at, at + len(this[RAW], at));
  }

  get crc32c(): number | undefined {
    const at = this.#idx().crc;
    return at < 0 ? undefined : be32(this[RAW], at);
  }

  get uniqueId(): Uint8Array | undefined {
    const at = this.#idx().uniqueId;
    return at < 0 ? undefined : this[BYTES]().subarray(at, at + len(this[RAW], at));
  }

  get netns(): string | undefined {
    const at = this.#idx().netns;
    return at < 0 ? undefined : this[RAW].slice(at, at + len(this[RAW], at));
  }

  get ssl(): ProxySslInfo | undefined {
    let s = this.#ssl;
    if (s === undefined) {
      const at = this.#idx().ssl;
      if (at < 0) return undefined;
      s = new SslInfo(this, at, at + len(this[RAW], at));
      this.#ssl = s;
    }
    return s;
  }

  get awsVpcEndpointId(): string | undefined {
    const at = this.#idx().aws;
    return at < 0 ? undefined : this[RAW].slice(at + 1, at + len(this[RAW], at));
  }

  get azureLinkId(): number | undefined {
    const at = this.#idx().azure;
    if (at < 0) return undefined;
    const r = this[RAW];
    return (
      (r.charCodeAt(at + 1) |
        (r.charCodeAt(at + 2) << 8) |
        (r.charCodeAt(at + 3) << 16) |
        (r.charCodeAt(at + 4) << 24)) >>>
      0
    );
  }

  get gcpPscConnectionId(): bigint | undefined {
    const at = this.#idx().gcp;
    if (at < 0) return undefined;
    return (BigInt(be32(this[RAW], at)) << 32n) | BigInt(be32(this[RAW], at + 4));
  }

  /**
   * The JSON form (`JSON.stringify`): every field, with byte values as lower-case hex
   * strings and `gcpPscConnectionId` as a decimal string (JSON has no BigInt).
   */
  toJSON(): ProxyHeaderJson {
    return jsonSafe(this.#fields()) as ProxyHeaderJson;
  }

  /** Every field, as `util.inspect` shows it. */
  #fields(): ProxyHeader {
    const out: Record<string, unknown> = {
      version: 2,
      command: this.command,
      family: this.family,
      transport: this.transport,
      addresses: this.addresses,
      tlvs: this.tlvs,
    };
    const x = this.#idx();
    if (x.alpn >= 0) out.alpn = this.alpn;
    if (x.authority >= 0) out.authority = this.authority;
    if (x.crc >= 0) out.crc32c = this.crc32c;
    if (x.uniqueId >= 0) out.uniqueId = this.uniqueId;
    if (x.netns >= 0) out.netns = this.netns;
    if (x.ssl >= 0) out.ssl = this.ssl;
    if (x.aws >= 0) out.awsVpcEndpointId = this.awsVpcEndpointId;
    if (x.azure >= 0) out.azureLinkId = this.azureLinkId;
    if (x.gcp >= 0) out.gcpPscConnectionId = this.gcpPscConnectionId;
    return out as unknown as ProxyHeader;
  }

  [INSPECT](): unknown {
    return this.#fields();
  }
}

/** The SSL TLV: flags and verify result as plain properties, sub-TLVs read on demand. */
class SslInfo implements ProxySslInfo {
  readonly client: number;
  readonly clientSsl: boolean;
  readonly clientCertConnection: boolean;
  readonly clientCertSession: boolean;
  readonly verify: number;
  readonly verified: boolean;
  /** The SSL TLV's value, latin1 (compared by deepStrictEqual, like the header's). */
  readonly [RAW]: string;
  readonly #header: V2Header;
  /** Where the sub-TLVs start and end in the header's TLV string. */
  readonly #s: number;
  readonly #e: number;
  #subs: Int32Array | undefined;
  #tlvs: ProxyTlv[] | undefined;

  constructor(header: V2Header, vs: number, ve: number) {
    const raw = header[RAW];
    const client = raw.charCodeAt(vs);
    this.client = client;
    this.clientSsl = (client & 0x01) !== 0;
    this.clientCertConnection = (client & 0x02) !== 0;
    this.clientCertSession = (client & 0x04) !== 0;
    this.verify = be32(raw, vs + 1);
    this.verified = this.verify === 0;
    this[RAW] = raw.slice(vs, ve);
    this.#header = header;
    this.#s = vs + 5;
    this.#e = ve;
  }

  /** Value offset of each sub-TLV 0x21..0x28 (at `type - 0x21`), -1 when absent. */
  #at(type: number): number {
    let x = this.#subs;
    if (x === undefined) {
      x = new Int32Array(8).fill(-1);
      const raw = this.#header[RAW];
      for (let i = this.#s; i < this.#e; ) {
        const vs = i + 3;
        const t = raw.charCodeAt(i);
        if (t >= 0x21 && t <= 0x28) x[t - 0x21] = vs;
        i = vs + len(raw, vs);
      }
      this.#subs = x;
    }
    return x[type - 0x21]!;
  }

  #text(type: number): string | undefined {
    const at = this.#at(type);
    if (at < 0) return undefined;
    const raw = this.#header[RAW];
    return raw.slice(at, at + len(raw, at));
  }

  get tlvs(): readonly ProxyTlv[] {
    let t = this.#tlvs;
    if (t === undefined) {
      t = list(this.#header[RAW], this.#s, this.#e, this.#header[BYTES]());
      this.#tlvs = t;
    }
    return t;
  }

  get version(): string | undefined {
    return this.#text(0x21);
  }

  get commonName(): string | undefined {
    const at = this.#at(0x22);
    if (at < 0) return undefined;
    const h = this.#header;
    return utf8Text(h[RAW], at, at + len(h[RAW], at));
  }

  get cipher(): string | undefined {
    return this.#text(0x23);
  }

  get signatureAlgorithm(): string | undefined {
    return this.#text(0x24);
  }

  get keyAlgorithm(): string | undefined {
    return this.#text(0x25);
  }

  get group(): string | undefined {
    return this.#text(0x26);
  }

  get signatureScheme(): string | undefined {
    return this.#text(0x27);
  }

  get clientCertificate(): Uint8Array | undefined {
    const at = this.#at(0x28);
    if (at < 0) return undefined;
    const h = this.#header;
    return h[BYTES]().subarray(at, at + len(h[RAW], at));
  }

  /** The JSON form: every field, byte values as lower-case hex strings. */
  toJSON(): unknown {
    return jsonSafe(this.#fields());
  }

  /** Every field, as `util.inspect` shows it. */
  #fields(): ProxySslInfo {
    const out: Record<string, unknown> = {
      client: this.client,
      clientSsl: this.clientSsl,
      clientCertConnection: this.clientCertConnection,
      clientCertSession: this.clientCertSession,
      verify: this.verify,
      verified: this.verified,
      tlvs: this.tlvs,
    };
    const fields = [
      'version',
      'commonName',
      'cipher',
      'signatureAlgorithm',
      'keyAlgorithm',
      'group',
      'signatureScheme',
      'clientCertificate',
    ] as const;
    for (const f of fields) {
      const v = this[f];
      if (v !== undefined) out[f] = v;
    }
    return out as unknown as ProxySslInfo;
  }

  [INSPECT](): unknown {
    return this.#fields();
  }
}

/**
 * The JSON form of a header's value: Uint8Array as lower-case hex, bigint as a decimal
 * string, objects and arrays deeply (an SSL TLV through its own fields).
 */
function jsonSafe(v: unknown): unknown {
  if (v instanceof Uint8Array) {
    let hex = '';
    for (const b of v) hex += b.toString(16).padStart(2, '0');
    return hex;
  }
  if (typeof v === 'bigint') return v.toString(10);
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v instanceof SslInfo) return v.toJSON();
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = jsonSafe(x);
    return out;
  }
  return v;
}
