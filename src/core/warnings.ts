/**
 * Stable warning codes. A code never changes meaning once released; new codes are added,
 * old ones are never reused. Each code is documented in docs/warnings.md.
 */
export const WarningCodes = {
  /** Forwarded headers arrived from a peer that is not trusted: a spoof attempt or a missing trust entry. */
  UNTRUSTED_FORWARDED: 'UNTRUSTED_FORWARDED',
  /** The same value repeated in one header (`https, https`): a header set twice. The value is used. */
  DUPLICATED_VALUES: 'DUPLICATED_VALUES',
  /** Different values in one header that no hop accounts for (`https, http`): ignored (fail closed). */
  CONTRADICTORY_VALUES: 'CONTRADICTORY_VALUES',
  /** A header arrived on more than one line. */
  DUPLICATE_HEADER_LINES: 'DUPLICATE_HEADER_LINES',
  /** X-Forwarded-Proto/-Host/-Port/-Prefix has neither one value nor one per X-Forwarded-For entry. */
  LIST_LENGTH_MISMATCH: 'LIST_LENGTH_MISMATCH',
  /** An entry that does not parse. The walk stops before it (fail closed). */
  MALFORMED_ENTRY: 'MALFORMED_ENTRY',
  /** A scheme other than http or https. Ignored. */
  UNKNOWN_SCHEME: 'UNKNOWN_SCHEME',
  /** A host that fails RFC 3986 syntax (userinfo, spaces, commas, bad port, empty label). Ignored. */
  INVALID_HOST: 'INVALID_HOST',
  /** A port that is not an integer in 1..65535. Ignored. */
  INVALID_PORT: 'INVALID_PORT',
  /** The request has no usable Host (missing, empty, invalid or on several lines). */
  HOST_MISSING: 'HOST_MISSING',
  /** The resolved host is not in the allowed hosts. */
  HOST_NOT_ALLOWED: 'HOST_NOT_ALLOWED',
  /** The chain names the client as `unknown` or an obfuscated identifier; the walk stops there. */
  CLIENT_UNKNOWN: 'CLIENT_UNKNOWN',
  /** More hops or parameters than the policy's cap; the rest was not parsed. */
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /**
   * No longer given since 0.2.0 (it meant "two families disagree; the earlier one wins").
   * Replaced by SAME_HOP_CONFLICT, where no order picks a winner.
   * @deprecated
   */
  FAMILY_CONFLICT: 'FAMILY_CONFLICT',
  /**
   * Two believed headers describe the same hop and disagree (X-Forwarded-For's entry and
   * Forwarded's element, X-Real-IP and X-Forwarded-For's rightmost entry, ...). The field
   * fails closed: the scheme, host and port are the connection's, the client is unknown.
   */
  SAME_HOP_CONFLICT: 'SAME_HOP_CONFLICT',
  /**
   * The request reached the server's cap on header lines (Node's `maxHeadersCount`), so
   * lines a proxy appended may have been dropped: no forwarded header is believed.
   */
  HEADERS_TRUNCATED: 'HEADERS_TRUNCATED',
  /** The shared-secret header is missing or wrong: forwarded headers are not believed. */
  SHARED_SECRET_MISMATCH: 'SHARED_SECRET_MISMATCH',
  /** The Connection header names a forwarded header (a hop-by-hop stripping trick). */
  CONNECTION_NAMES_FORWARDED: 'CONNECTION_NAMES_FORWARDED',
  /** Policy: the trust list covers every address, so anyone can spoof. */
  TRUST_ALL: 'TRUST_ALL',
  /** Policy: trust by hop count trusts whatever the socket peer is. */
  HOP_COUNT_TRUST: 'HOP_COUNT_TRUST',
  /** Policy: allowed hosts contain `*`. */
  ALLOWED_HOSTS_WILDCARD: 'ALLOWED_HOSTS_WILDCARD',
} as const;

export type WarningCode = (typeof WarningCodes)[keyof typeof WarningCodes];

/**
 * The codes that mark a request trying to forge what the app believes: forwarded headers
 * from an untrusted peer, believed headers that contradict each other about one hop,
 * hop-by-hop stripping, and a header list long enough to push a proxy's lines out of
 * sight. The node layer logs these by default (rate-limited). The others describe
 * misconfiguration or odd but harmless input.
 */
export const FORGERY_CODES: ReadonlySet<WarningCode> = new Set<WarningCode>([
  WarningCodes.UNTRUSTED_FORWARDED,
  WarningCodes.SAME_HOP_CONFLICT,
  WarningCodes.CONNECTION_NAMES_FORWARDED,
  WarningCodes.HEADERS_TRUNCATED,
]);

/** One finding about a request or a policy. `code` is stable; `message` is for people. */
export interface Warning {
  readonly code: WarningCode;
  readonly message: string;
  /** The header concerned, lower-case, when there is one. */
  readonly header?: string;
  /** The hop index concerned (0 = the socket peer's entry), when there is one. */
  readonly hop?: number;
  /** The offending value, truncated to 200 characters, when there is one. */
  readonly value?: string;
}

const MAX_VALUE = 200;

/** Truncate a header value for inclusion in a warning or trace. */
export function clip(value: string): string {
  return value.length > MAX_VALUE ? `${value.slice(0, MAX_VALUE)}…` : value;
}
