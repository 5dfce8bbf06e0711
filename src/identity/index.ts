/**
 * `proxytrust/identity`: proof that a connection comes from your proxy, stronger than an
 * IP address. mTLS proxy certificates (by fingerprint and/or subject) and a socket-level
 * source allowlist. The shared-secret header lives in the core policy (`sharedSecret`).
 * See docs/identity.md.
 */
export { type AllowSourcesOptions, allowSources, type SourceRefusal } from './allowlist.js';
export {
  type CertificateRefusal,
  compileProxyCertificateMatcher,
  isVerifiedProxyCertificate,
  type ProxyCertificateMatch,
  type ProxyCertificateTlsOptions,
  type ProxyIdentity,
  proxyCertificateTlsOptions,
  type RequireProxyCertificateOptions,
  requireProxyCertificate,
  verifiedProxyIdentity,
} from './mtls.js';
