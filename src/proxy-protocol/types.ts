/**
 * The PROXY protocol's data model: the decoded header, its TLVs, the error codes and
 * the protocol's constants (HAProxy's proxy-protocol.txt).
 */

/** The 12-byte PROXY protocol v2 signature `\r\n\r\n\0\r\nQUIT\n`. */
export const V2_SIGNATURE: Uint8Array = Uint8Array.of(
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
);

/** The longest v1 line the protocol allows, CRLF included. */
export const V1_MAX_LENGTH = 107;

/** Default cap on a whole header (v2 may carry up to 16 + 65535 bytes; v1 is always 107). */
export const DEFAULT_MAX_HEADER_SIZE = 16384;

/** TLV types of PROXY protocol v2 (`PP2_TYPE_*`), plus the cloud vendors' types. */
export const TlvType = {
  /** Application-Layer Protocol Negotiation: the protocol the client chose (`h2`, `http/1.1`). */
  ALPN: 0x01,
  /** The host name the client asked for (TLS SNI), UTF-8. */
  AUTHORITY: 0x02,
  /** A CRC-32C of the whole header with this field zeroed. Verified when present. */
  CRC32C: 0x03,
  /** Padding; ignored. */
  NOOP: 0x04,
  /** An opaque connection id of at most 128 bytes. */
  UNIQUE_ID: 0x05,
  /** TLS facts of the client connection, with sub-TLVs ({@link SslSubtype}). */
  SSL: 0x20,
  /** The network namespace name, US-ASCII. */
  NETNS: 0x30,
  /** Google Cloud Private Service Connect: 8-byte big-endian connection id. */
  GCP: 0xe0,
  /** AWS: subtype 0x01 = the VPC endpoint id (ASCII). */
  AWS: 0xea,
  /** Azure: subtype 0x01 = the Private Link LinkID (32-bit little-endian). */
  AZURE: 0xee,
} as const;

/** Sub-TLV types inside the SSL TLV (`PP2_SUBTYPE_SSL_*`). */
export const SslSubtype = {
  /** The TLS version text, for example `TLSv1.3`. */
  VERSION: 0x21,
  /** The client certificate's subject Common Name, UTF-8. */
  CN: 0x22,
  /** The cipher name, for example `TLS_AES_256_GCM_SHA384`. */
  CIPHER: 0x23,
  /** The client certificate's signature algorithm, for example `SHA256`. */
  SIG_ALG: 0x24,
  /** The client certificate's key algorithm, for example `RSA2048`. */
  KEY_ALG: 0x25,
  /** The key exchange group. */
  GROUP: 0x26,
  /** The signature scheme. */
  SIG_SCHEME: 0x27,
  /** The client certificate, DER. */
  CLIENT_CERT: 0x28,
} as const;

/** Bits of the SSL TLV's `client` byte (`PP2_CLIENT_*`). */
export const SslClientFlags = {
  /** The client connected over SSL/TLS. */
  SSL: 0x01,
  /** The client presented a certificate on this connection. */
  CERT_CONN: 0x02,
  /** The client presented a certificate at least once in this TLS session. */
  CERT_SESS: 0x04,
} as const;

/** `PROXY` carries a client's connection; `LOCAL` is the sender's own (health checks). */
export type ProxyCommand = 'PROXY' | 'LOCAL';
/** The address family: v1 `TCP4` is `INET`, `TCP6` is `INET6`, `UNKNOWN` is `UNSPEC`. */
export type ProxyFamily = 'INET' | 'INET6' | 'UNIX' | 'UNSPEC';
/** The transport: v1 `TCP4`/`TCP6` is `STREAM`. */
export type ProxyTransport = 'STREAM' | 'DGRAM' | 'UNSPEC';

/** The original client and the address it connected to, for `INET` and `INET6`. */
export interface ProxyIpAddresses {
  readonly kind: 'ip';
  /** The client's address (canonical text; IPv6 in RFC 5952 form). */
  readonly sourceAddress: string;
  readonly sourcePort: number;
  /** The address the client connected to. */
  readonly destinationAddress: string;
  readonly destinationPort: number;
}

/** Socket paths, for the `UNIX` family. */
export interface ProxyUnixAddresses {
  readonly kind: 'unix';
  readonly sourcePath: string;
  readonly destinationPath: string;
}

/**
 * One raw TLV. In a decoded header, `value` is a view into the header's own copy of its
 * TLV bytes, never into the buffer it was decoded from.
 */
export interface ProxyTlv {
  readonly type: number;
  readonly value: Uint8Array;
}

/** The decoded SSL TLV (0x20). Absent fields were not sent. */
export interface ProxySslInfo {
  /** The raw `client` flags byte ({@link SslClientFlags}). */
  readonly client: number;
  /** The client connection was SSL/TLS (`PP2_CLIENT_SSL`). */
  readonly clientSsl: boolean;
  /** A client certificate was presented on this connection (`PP2_CLIENT_CERT_CONN`). */
  readonly clientCertConnection: boolean;
  /** A client certificate was presented in this session (`PP2_CLIENT_CERT_SESS`). */
  readonly clientCertSession: boolean;
  /** The raw `verify` field: 0 when the client certificate was verified. */
  readonly verify: number;
  /** `verify === 0`. Meaningful only when a certificate was presented. */
  readonly verified: boolean;
  readonly version?: string;
  readonly commonName?: string;
  readonly cipher?: string;
  readonly signatureAlgorithm?: string;
  readonly keyAlgorithm?: string;
  readonly group?: string;
  readonly signatureScheme?: string;
  /** The client certificate, DER. */
  readonly clientCertificate?: Uint8Array;
  /** Every sub-TLV, raw and in order, unknown ones included. */
  readonly tlvs: readonly ProxyTlv[];
}

/**
 * A decoded PROXY protocol header (v1 or v2). Optional fields are undefined when not sent.
 *
 * A v2 header is checked in full when it is decoded (framing, sizes, UTF-8, duplicates,
 * CRC32C), but its TLV fields (`tlvs`, `alpn`, `ssl`, ...) are getters that build their
 * value on first read from the header's own copy of the TLV bytes. `JSON.stringify` and
 * `util.inspect` show every field; an object spread (`{ ...header }`) copies only the
 * address fields.
 */
export interface ProxyHeader {
  readonly version: 1 | 2;
  readonly command: ProxyCommand;
  readonly family: ProxyFamily;
  readonly transport: ProxyTransport;
  /**
   * The addresses carried, or undefined (`UNKNOWN`, `UNSPEC`, or a `LOCAL` block too
   * short for its family). With `LOCAL` they are whatever the sender put there (AWS NLB
   * puts dummies): never use them as the client's.
   */
  readonly addresses: ProxyIpAddresses | ProxyUnixAddresses | undefined;
  /** Every TLV, raw and in order, unknown ones included (v1: always empty). */
  readonly tlvs: readonly ProxyTlv[];
  /** ALPN (0x01), as text. */
  readonly alpn?: string;
  /** AUTHORITY (0x02): the host name the client asked for. */
  readonly authority?: string;
  /** CRC32C (0x03), already verified against the header. */
  readonly crc32c?: number;
  /** UNIQUE_ID (0x05), at most 128 bytes. */
  readonly uniqueId?: Uint8Array;
  /** NETNS (0x30). */
  readonly netns?: string;
  /** SSL (0x20). */
  readonly ssl?: ProxySslInfo;
  /** AWS (0xEA): the VPC endpoint id from subtype 0x01. */
  readonly awsVpcEndpointId?: string;
  /** Azure (0xEE): the Private Link LinkID from subtype 0x01. */
  readonly azureLinkId?: number;
  /** GCP (0xE0): the Private Service Connect connection id. */
  readonly gcpPscConnectionId?: bigint;
}

/** A value's JSON form: bytes as lower-case hex strings, bigints as decimal strings. */
export type ProxyJson<T> = T extends Uint8Array
  ? string
  : T extends bigint
    ? string
    : T extends readonly (infer U)[]
      ? ProxyJson<U>[]
      : T extends object
        ? { [K in keyof T]: ProxyJson<T[K]> }
        : T;

/**
 * The JSON form of a decoded header, what `JSON.stringify(header)` writes: every field,
 * with TLV values, `uniqueId` and `ssl.clientCertificate` as lower-case hex strings and
 * `gcpPscConnectionId` as a decimal string.
 */
export type ProxyHeaderJson = ProxyJson<ProxyHeader>;

/** Stable codes for every way a header (or a connection's header phase) can fail. */
export type ProxyProtocolErrorCode =
  /** The bytes do not start with either signature (no header was sent). */
  | 'NO_SIGNATURE'
  /** The header is larger than the configured maximum. */
  | 'HEADER_TOO_LARGE'
  /** The connection ended before the header was complete. */
  | 'TRUNCATED'
  /** The header was not complete within the header timeout. */
  | 'TIMEOUT'
  | 'V1_TOO_LONG'
  | 'V1_MISSING_CRLF'
  | 'V1_BAD_FORMAT'
  | 'V1_BAD_PROTOCOL'
  | 'V1_BAD_ADDRESS'
  | 'V1_BAD_PORT'
  | 'V2_BAD_VERSION'
  | 'V2_BAD_COMMAND'
  | 'V2_BAD_FAMILY'
  | 'V2_ADDRESS_TRUNCATED'
  | 'V2_BAD_ADDRESS'
  | 'V2_TLV_TRUNCATED'
  | 'V2_TLV_OVERRUN'
  | 'V2_BAD_TLV'
  | 'V2_DUPLICATE_TLV'
  | 'V2_BAD_CRC32C'
  /** The source's policy is `reject` and it sent a header. */
  | 'HEADER_REJECTED'
  /** The source's policy is `require` and it sent none. */
  | 'HEADER_REQUIRED'
  /** A policy function returned an unknown policy, or `use` without `guessHeaderPresence`. */
  | 'BAD_POLICY';

/** Why a header was refused: a stable `code` and a message that says what was wrong. */
export class ProxyProtocolError extends Error {
  /** The stable code. */
  readonly code: ProxyProtocolErrorCode;
  constructor(code: ProxyProtocolErrorCode, message: string) {
    super(message);
    this.name = 'ProxyProtocolError';
    this.code = code;
  }
}

/** The result of decoding: a complete header, a need for more bytes, or a refusal. */
export type DecodeResult =
  | {
      readonly status: 'complete';
      readonly header: ProxyHeader;
      /** How many bytes the header took; application data starts there. */
      readonly length: number;
    }
  | { readonly status: 'incomplete' }
  | { readonly status: 'invalid'; readonly error: ProxyProtocolError };
