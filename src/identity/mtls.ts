/**
 * Proxy identity by mTLS: require a client certificate from the proxy and accept only
 * the certificates named by SHA-256 fingerprint and/or subject. The verified identity is
 * attached to the TLS socket, so the HTTP layer can trust "the peer that presented a
 * verified proxy certificate" instead of an IP address.
 */
import type { TLSSocket, Server as TlsServer } from 'node:tls';

/** Which certificates are proxy certificates. At least one of the two must be given. */
export interface ProxyCertificateMatch {
  /**
   * SHA-256 fingerprints of the accepted certificates, as Node prints them
   * (`AB:CD:...`) or as plain hex, any case. Several allow rotation.
   */
  readonly fingerprints?: readonly string[];
  /**
   * Accepted subjects. A string is the Common Name; an object lists attributes that must
   * all be equal (`{ CN: 'edge-proxy', O: 'Example' }`).
   */
  readonly subjects?: readonly (string | Readonly<Record<string, string>>)[];
}

/** The identity of a verified proxy certificate. */
export interface ProxyIdentity {
  /** `AB:CD:...` (upper-case hex with colons). */
  readonly fingerprint256: string;
  /** The subject's Common Name, if any. */
  readonly commonName: string | undefined;
  /** The subject's attributes. */
  readonly subject: Readonly<Record<string, string | readonly string[]>>;
  readonly serialNumber: string;
  readonly validTo: string;
}

/** A connection that {@link requireProxyCertificate} closed. */
export interface CertificateRefusal {
  readonly address: string | undefined;
  readonly reason: string;
}

/** Options of {@link requireProxyCertificate}. */
export interface RequireProxyCertificateOptions extends ProxyCertificateMatch {
  /**
   * Close TLS connections whose certificate is missing, unverified or not listed
   * (default true). With false, they stay open and simply are not proxies
   * ({@link isVerifiedProxyCertificate} is false): for a port shared by proxies and
   * direct clients, together with `proxyCertificateTlsOptions({ requireCertificate: false })`.
   */
  readonly refuse?: boolean;
  /** Told about every connection that was closed. */
  readonly onRefused?: (refusal: CertificateRefusal) => void;
}

/** Options of {@link proxyCertificateTlsOptions}. */
export interface ProxyCertificateTlsOptions {
  /** The CA(s) that sign proxy certificates (PEM). Use a private CA, not a public one. */
  readonly ca: string | Buffer | readonly (string | Buffer)[];
  /**
   * Fail the TLS handshake without a valid client certificate (default true). Set false
   * only when the port also serves clients without certificates.
   */
  readonly requireCertificate?: boolean;
}

/**
 * The `tls`/`https`/`http2.createSecureServer` options that ask for client certificates
 * signed by `ca`: spread them into the server's options next to `key` and `cert`.
 */
export function proxyCertificateTlsOptions(options: ProxyCertificateTlsOptions): {
  requestCert: true;
  rejectUnauthorized: boolean;
  ca: string | Buffer | (string | Buffer)[];
} {
  if (!options || options.ca === undefined) {
    throw new TypeError('proxyCertificateTlsOptions needs the CA that signs proxy certificates');
  }
  return {
    requestCert: true,
    rejectUnauthorized: options.requireCertificate !== false,
    ca: Array.isArray(options.ca) ? [...options.ca] : (options.ca as string | Buffer),
  };
}

function normaliseFingerprint(f: string): string {
  const hex = String(f).replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new TypeError(`${JSON.stringify(f)} is not a SHA-256 fingerprint (64 hex digits)`);
  }
  return hex;
}

type Subject = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Compile a matcher once: it answers with the identity of a TLS socket whose peer
 * certificate was verified by the TLS layer (`authorized`) and matches, else undefined.
 * Every configured kind (fingerprints, subjects) must match; within a kind, any entry.
 * @throws TypeError on a bad fingerprint, or when neither kind is given.
 */
export function compileProxyCertificateMatcher(
  match: ProxyCertificateMatch,
): (socket: TLSSocket) => ProxyIdentity | undefined {
  const fps = new Set((match.fingerprints ?? []).map(normaliseFingerprint));
  const subjects = (match.subjects ?? []).map((s) => {
    if (typeof s === 'string') return { CN: s };
    if (s === null || typeof s !== 'object' || Object.keys(s).length === 0) {
      throw new TypeError('a subject is a Common Name or a non-empty object of attributes');
    }
    return { ...s };
  });
  if (fps.size === 0 && subjects.length === 0) {
    throw new TypeError(
      'name the proxy certificates: fingerprints and/or subjects (a CA alone admits every certificate it signed)',
    );
  }
  const subjectMatches = (subject: Subject) =>
    subjects.some((want) => Object.entries(want).every(([k, v]) => subject[k] === v));
  return (socket) => {
    if (socket?.authorized !== true || typeof socket.getPeerCertificate !== 'function')
      return undefined;
    const cert = socket.getPeerCertificate();
    if (!cert?.fingerprint256) return undefined;
    if (fps.size > 0 && !fps.has(normaliseFingerprint(cert.fingerprint256))) return undefined;
    const subject = (cert.subject ?? {}) as unknown as Subject;
    if (subjects.length > 0 && !subjectMatches(subject)) return undefined;
    const cn = subject.CN;
    return {
      fingerprint256: cert.fingerprint256,
      commonName: typeof cn === 'string' ? cn : undefined,
      subject: { ...subject } as ProxyIdentity['subject'],
      serialNumber: cert.serialNumber,
      validTo: cert.valid_to,
    };
  };
}

const IDENTITY = Symbol.for('proxytrust.identity.proxy-certificate');
const WRAPPED = Symbol.for('proxytrust.identity.require-proxy-certificate');
type Carrier = { [IDENTITY]?: ProxyIdentity | null };

/**
 * Check every TLS connection of `server` (a `tls.Server`, `https.Server` or
 * `http2.createSecureServer`) against the proxy certificates, right after the handshake
 * and before any request is read. A match is attached to the socket (read it with
 * {@link verifiedProxyIdentity}); a miss closes the connection unless `refuse: false`.
 * Pair it with {@link proxyCertificateTlsOptions} so that clients are asked for a
 * certificate at all.
 * @throws TypeError on bad options, or when the server is already wrapped.
 * @returns `server`, for chaining.
 */
export function requireProxyCertificate<S extends TlsServer>(
  server: S,
  options: RequireProxyCertificateOptions,
): S {
  const matcher = compileProxyCertificateMatcher(options);
  const refuse = options.refuse !== false;
  const marked = server as S & { [WRAPPED]?: true };
  if (marked[WRAPPED]) throw new TypeError('this server already checks proxy certificates');
  marked[WRAPPED] = true;
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    let identity: ProxyIdentity | undefined;
    try {
      identity = matcher(socket);
    } catch {
      identity = undefined;
    }
    (socket as unknown as Carrier)[IDENTITY] = identity ?? null;
    if (identity || !refuse) return;
    const cert = socket.authorized ? socket.getPeerCertificate() : undefined;
    const reason = !socket.authorized
      ? `no verified client certificate (${socket.authorizationError ?? 'none presented'})`
      : `the client certificate ${cert?.subject?.CN ? `CN=${cert.subject.CN} ` : ''}(${cert?.fingerprint256}) is not a listed proxy certificate`;
    const address = socket.remoteAddress;
    socket.destroy();
    try {
      options.onRefused?.({ address, reason });
    } catch {
      // a throwing observer must not take the server down
    }
  });
  return server;
}

/**
 * The verified proxy identity of a connection checked by {@link requireProxyCertificate},
 * or undefined. Accepts the TLS socket or `req.socket` (also HTTP/2's compatibility
 * socket).
 */
export function verifiedProxyIdentity(socket: unknown): ProxyIdentity | undefined {
  if (socket === null || typeof socket !== 'object') return undefined;
  return (socket as Carrier)[IDENTITY] ?? undefined;
}

/**
 * True when the connection presented a verified certificate that
 * {@link requireProxyCertificate} matched as a proxy certificate. This is the predicate
 * for "trust the peer that presented a verified proxy certificate".
 */
export function isVerifiedProxyCertificate(socket: unknown): boolean {
  return verifiedProxyIdentity(socket) !== undefined;
}
