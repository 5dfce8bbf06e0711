/**
 * proxytrust core: pure, no I/O, zero dependencies.
 *
 * ```ts
 * import { compilePolicy, resolve, explain } from 'proxytrust';
 * const policy = compilePolicy({ trustedProxies: ['loopback', '10.0.0.0/8'] });
 * const view = resolve(policy, { peer: req.socket.remoteAddress, headers: req.rawHeaders });
 * view.scheme; view.host; view.clientIp; view.warnings; explain(view, policy);
 * ```
 * @module
 */
export {
  compileTrustList,
  type IpAddress,
  isIp,
  NAMED_RANGES,
  type Node,
  parseAddressWithPort,
  parseCidr,
  parseIp,
  parseNode,
  type TrustPredicate,
} from './address.js';
export type { ChainCursor, ChainEntry } from './chain.js';
export { explain } from './explain.js';
export { type ForwardedElement, type ForwardedParseResult, parseForwarded } from './forwarded.js';
export {
  DEFAULT_HEADERS,
  FAMILY_HEADERS,
  FORWARDED_HEADER_NAMES,
  type ForwardedHeaderName,
  HEADER_FAMILIES,
  type HeaderFamily,
  type HeaderName,
} from './header-names.js';
export type { HeaderInput, HeaderRecord, HeadersLike } from './headers.js';
export {
  type AllowedHosts,
  compileAllowedHosts,
  defaultPortForScheme,
  formatHost,
  type ParsedHost,
  parseHost,
} from './host.js';
export {
  compileTrustedOrigins,
  type ParsedOrigin,
  parseOrigin,
  sameOrigin,
  type TrustedOrigins,
} from './origin.js';
export { compilePolicy, type Policy, type PolicyOptions, type TrustFunction } from './policy.js';
export { getPreset, PRESET_NAMES, PRESETS, type Preset } from './presets.js';
export { type FieldSource, type Hop, type RequestFacts, resolve, type View } from './resolve.js';
export type { Warning, WarningCode } from './warnings.js';
export { FORGERY_CODES, WarningCodes } from './warnings.js';
