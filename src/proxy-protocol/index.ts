/**
 * `proxytrust/proxy-protocol`: the PROXY protocol v1/v2 codec with every TLV, an
 * incremental decoder, and a listener wrapper for `net`, `http`, `https`, `tls` and
 * `http2` servers with a policy per source and a header timeout. Zero dependencies.
 * See docs/proxy-protocol.md.
 */
export { crc32c } from './crc32c.js';
export { type DecodeOptions, decodeProxyHeader } from './decode.js';
export { ProxyHeaderDecoder, type ProxyHeaderDecoderOptions } from './decoder.js';
export {
  type EncodeOptions,
  encodeProxyHeader,
  type ProxyHeaderInit,
  type SslTlvInit,
  sslTlv,
  tlv,
} from './encode.js';
export {
  type ConnectionFacts,
  connectionFacts,
  getProxyHeader,
  type ProxyHeaderPolicy,
} from './facts.js';
export {
  acceptProxyProtocol,
  DEFAULT_HEADER_TIMEOUT_MS,
  type ProxyProtocolOptions,
  type ProxyRefusal,
  type ProxySource,
} from './listener.js';
export {
  DEFAULT_MAX_HEADER_SIZE,
  type DecodeResult,
  type ProxyCommand,
  type ProxyFamily,
  type ProxyHeader,
  type ProxyHeaderJson,
  type ProxyIpAddresses,
  type ProxyJson,
  ProxyProtocolError,
  type ProxyProtocolErrorCode,
  type ProxySslInfo,
  type ProxyTlv,
  type ProxyTransport,
  type ProxyUnixAddresses,
  SslClientFlags,
  SslSubtype,
  TlvType,
  V1_MAX_LENGTH,
  V2_SIGNATURE,
} from './types.js';
