/**
 * The trust policy: which proxies are trusted, which headers are believed from them, which
 * hosts are allowed. Compiled and validated once, eagerly: a bad CIDR, preset or header
 * name throws at start-up and names the offending value.
 */
import {
  type Cidr,
  type CompiledRanges,
  compileRanges,
  expandTrustList,
  matchRanges,
  newTrustCache,
  scanAddress,
  scanned,
  type TrustCache,
} from './address.js';
import {
  DEFAULT_HEADERS,
  EDGE_HEADERS,
  expandHeaderNames,
  FAMILY_HEADERS,
  FORWARDED_HEADER_NAMES,
  type ForwardedHeaderName,
  HEADER_FAMILIES,
  type HeaderFamily,
  type HeaderName,
} from './header-names.js';
import { compileNames, type NameTable } from './headers.js';
import { type AllowedHosts, compileAllowedHosts, type ParsedHost } from './host.js';
import { checkKeys, POLICY_KEYS } from './keys.js';
import { getPreset } from './presets.js';
import { type Warning, WarningCodes } from './warnings.js';

/** A custom trust decision: `address` is canonical; `hop` is 0 for the socket peer, 1 for the next, ... */
export type TrustFunction = (address: string, hop: number) => boolean;

/** The policy as written by the operator. Every field is optional; nothing is trusted by default. */
export interface PolicyOptions {
  /**
   * The proxies whose forwarded headers are believed: CIDRs (`10.0.0.0/8`), bare IPs,
   * named ranges (`loopback`, `private`, `linklocal`, `uniquelocal`), provider presets
   * (`cloudflare`, `cloudfront`, ...: see docs/presets.md), and/or predicates.
   * Empty (the default) trusts nobody: the view is the socket's own facts.
   */
  readonly trustedProxies?: readonly (string | TrustFunction)[] | TrustFunction;
  /**
   * The headers your proxies write: only these are believed from trusted proxies. Header
   * names (`'x-forwarded-for'`, `'forwarded'`, `'x-real-ip'`, `'cf-connecting-ip'`, ...,
   * any case) and/or family shorthands (`'x-forwarded'` = the five X-Forwarded-*,
   * `'cloudflare'`, `'cloudfront'`, `'fly'`, `'ssl-flags'`, ...). Order does not matter:
   * when two believed headers describe the same hop and disagree, the field fails closed.
   *
   * Default: `['x-forwarded-for', 'x-forwarded-proto']`, or, when presets are named in
   * `trustedProxies`, exactly the headers those presets write. When given, this is the
   * whole list: presets add no headers to it (their edge headers named here stay bound to
   * their ranges). See docs/resolution.md.
   */
  readonly headers?: readonly HeaderName[];
  /** Django-style allowed hosts: `app.example.com`, `.example.com`, `*` (warned). */
  readonly allowedHosts?: readonly string[];
  /**
   * A secret header that the edge sets (for example a CloudFront custom origin header).
   * When configured, forwarded headers are believed only on requests that carry it with
   * one of the values (several allow rotation). Compared in constant time.
   */
  readonly sharedSecret?: { readonly header: string; readonly values: readonly string[] };
  /**
   * UNSAFE: trust the first N hops (0 = the socket peer) whatever their address. This
   * trusts whoever connects, so a client that reaches the app directly can spoof
   * everything. Warned as HOP_COUNT_TRUST. Prefer `trustedProxies`.
   */
  readonly unsafeTrustHopCount?: number;
  /**
   * Trust the socket peer when it presented a verified proxy certificate (mTLS: the request
   * facts carry `peerVerified: true`, set by `proxytrust/identity` from the TLS socket).
   * Stronger than an address: anyone can point their own CDN distribution at your origin,
   * but not with your proxy's certificate.
   */
  readonly trustVerifiedPeers?: boolean;
  /** Caps that bound the work per request. */
  readonly limits?: {
    /** The most forwarded hops walked and parsed (default 32, at most 1024). */
    readonly maxHops?: number;
  };
}

/** A believed edge header (CF-*, CloudFront-*, True-Client-IP, Fly-Client-IP). @internal */
export interface EdgeSpec {
  /** Lower-case header name. */
  readonly header: ForwardedHeaderName;
  /** Bound to a preset's ranges: believed only when the outermost trusted proxy is in them. */
  readonly boundTo: CompiledRanges | undefined;
  /** The preset(s) it is bound to, for messages. */
  readonly boundName: string | undefined;
}

/** A compiled, validated policy. Build it once with {@link compilePolicy}. */
export interface Policy {
  /** The normalised options, for display. */
  readonly description: {
    readonly trustedProxies: readonly string[];
    /** The believed header names, lower-case. */
    readonly headers: readonly ForwardedHeaderName[];
    readonly allowedHosts: readonly string[] | undefined;
    readonly sharedSecretHeader: string | undefined;
    readonly unsafeTrustHopCount: number | undefined;
    readonly trustVerifiedPeers: boolean;
    readonly maxHops: number;
  };
  /** Policy-level warnings (TRUST_ALL, HOP_COUNT_TRUST, ALLOWED_HOSTS_WILDCARD). */
  readonly warnings: readonly Warning[];
  /** The headers believed from trusted proxies (lower-case names). */
  readonly headers: readonly ForwardedHeaderName[];
  /**
   * @deprecated Since 0.2.0 trust is per header: read {@link Policy.headers}. The family
   * shorthands of which at least one header is believed.
   */
  readonly families: readonly HeaderFamily[];
  /** The allowed-hosts matcher, when configured. */
  readonly allowedHosts: AllowedHosts | undefined;
  /** Is the address at this hop trusted? The address is any accepted address form. */
  isTrusted(address: string, hop: number): boolean;
  /** Why an address is trusted (the entry that matched), or undefined. For traces; not fast. */
  trustReason(address: string, hop: number): string | undefined;
  /** @internal */
  readonly _: PolicyInternals;
}

/** @internal */
export interface PolicyInternals {
  readonly ranges: CompiledRanges;
  readonly fns: readonly TrustFunction[];
  readonly hopCount: number;
  readonly maxHops: number;
  readonly trustVerifiedPeers: boolean;
  /** The believed header names, as a set. */
  readonly believed: ReadonlySet<string>;
  /** Believed: X-Forwarded-For, -Proto, -Host, -Port, -Prefix, Forwarded, X-Real-IP. */
  readonly xff: boolean;
  readonly xfp: boolean;
  readonly xfh: boolean;
  readonly xfport: boolean;
  readonly xfprefix: boolean;
  readonly fwd: boolean;
  readonly realIp: boolean;
  /** Believed one-value scheme headers written by the nearest proxy (hop 0). */
  readonly hop0Schemes: readonly ForwardedHeaderName[];
  /** Believed edge headers (describe the outermost trusted proxy's client). */
  readonly edges: readonly EdgeSpec[];
  readonly secretHeader: string | undefined;
  readonly secretValues: readonly string[];
  /** Every header name the resolver may read, indexed. */
  readonly interesting: NameTable;
  /** Every forwarded header name the resolver knows (to detect spoof attempts). */
  readonly allForwarded: readonly string[];
  /**
   * The resolver's fast path applies: address-only trust, no secret, and no believed header
   * but X-Forwarded-For, -Proto and -Host.
   */
  readonly fastPathOk: boolean;
  /** Recently trusted addresses; undefined when trust depends on more than the address. */
  readonly trustCache: TrustCache | undefined;
  /** A tiny cache of parsed hosts (8 slots, round robin). */
  readonly hostCacheKeys: (string | undefined)[];
  readonly hostCacheValues: (ParsedHost | undefined)[];
  /** Each cached host's allowed-hosts answer, filled on first use. */
  readonly hostCacheAllowed: (boolean | undefined)[];
  hostCacheNext: number;
}

export { FAMILY_HEADERS };

const DEFAULT_MAX_HOPS = 32;
const HARD_MAX_HOPS = 1024;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Compile and validate a policy. Throws a TypeError that names the offending value for
 * an invalid CIDR, an unknown preset or header name, a bad hop count or a bad allowed host.
 */
export function compilePolicy(options: PolicyOptions = {}): Policy {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('compilePolicy: options must be an object');
  }
  checkKeys('compilePolicy', options, POLICY_KEYS);
  const warnings: Warning[] = [];
  const tp = options.trustedProxies ?? [];
  const entries: readonly (string | TrustFunction)[] = typeof tp === 'function' ? [tp] : tp;
  if (!Array.isArray(entries)) {
    throw new TypeError('trustedProxies must be an array of CIDRs, names, presets or functions');
  }
  const strings: string[] = [];
  const fns: TrustFunction[] = [];
  for (const e of entries) {
    if (typeof e === 'function') fns.push(e);
    else if (typeof e === 'string') strings.push(e);
    else throw new TypeError(`trustedProxies: invalid entry ${JSON.stringify(e)}`);
  }
  const presetsUsed: string[] = [];
  const resolveName = (name: string): readonly string[] | undefined => {
    const p = getPreset(name);
    if (!p) return undefined;
    if (!presetsUsed.includes(p.name)) presetsUsed.push(p.name);
    return p.ranges;
  };
  const cidrs: Cidr[] = [];
  const labelled: { label: string; ranges: CompiledRanges }[] = [];
  for (const entry of strings) {
    const expanded = expandTrustList([entry], resolveName);
    cidrs.push(...expanded);
    labelled.push({ label: entry.trim(), ranges: compileRanges(expanded) });
  }
  // A preset with no ranges (aws-alb, nginx) names families only: it must not throw as unknown.
  const ranges = compileRanges(cidrs);
  if (ranges.allV4 || ranges.allV6) {
    warnings.push({
      code: WarningCodes.TRUST_ALL,
      message: `the trust list covers every ${ranges.allV4 ? 'IPv4' : 'IPv6'} address, so any client can forge forwarded headers; name your proxies' addresses instead`,
    });
  }

  let hopCount = 0;
  if (options.unsafeTrustHopCount !== undefined) {
    const n = options.unsafeTrustHopCount;
    if (!Number.isInteger(n) || n < 0 || n > HARD_MAX_HOPS) {
      throw new TypeError(`unsafeTrustHopCount must be an integer 0..${HARD_MAX_HOPS}, got ${n}`);
    }
    hopCount = n;
    if (n > 0) {
      warnings.push({
        code: WarningCodes.HOP_COUNT_TRUST,
        message: `unsafeTrustHopCount=${n} trusts the first ${n} hop(s) whatever their address; a client that reaches the app directly can forge forwarded headers`,
      });
    }
  }

  const maxHops = options.limits?.maxHops ?? DEFAULT_MAX_HOPS;
  if (!Number.isInteger(maxHops) || maxHops < 1 || maxHops > HARD_MAX_HOPS) {
    throw new TypeError(`limits.maxHops must be an integer 1..${HARD_MAX_HOPS}, got ${maxHops}`);
  }

  // Headers: explicit (the whole list), or exactly the named presets' own, or the defaults.
  let believed: ForwardedHeaderName[];
  if (options.headers !== undefined) {
    if (!Array.isArray(options.headers)) throw new TypeError('headers must be an array');
    believed = expandHeaderNames(options.headers);
  } else if (presetsUsed.length > 0) {
    believed = [];
    for (const name of presetsUsed) {
      for (const h of getPreset(name)!.headers) if (!believed.includes(h)) believed.push(h);
    }
  } else {
    believed = [...DEFAULT_HEADERS];
  }
  // An edge header is bound to the ranges of every named preset that writes it and
  // publishes ranges: then only that provider's proxies are believed for it.
  const edges: EdgeSpec[] = believed
    .filter((h) => EDGE_HEADERS.has(h))
    .map((header) => {
      const owners = presetsUsed
        .map((n) => getPreset(n)!)
        .filter((p) => p.ranges.length > 0 && p.headers.includes(header));
      if (owners.length === 0) return { header, boundTo: undefined, boundName: undefined };
      return {
        header,
        boundTo: compileRanges(expandTrustList(owners.flatMap((o) => o.ranges))),
        boundName: owners.map((o) => o.name).join(', '),
      };
    });
  const believedSet = new Set<string>(believed);
  const families = HEADER_FAMILIES.filter((f) => FAMILY_HEADERS[f].some((h) => believedSet.has(h)));

  let allowedHosts: AllowedHosts | undefined;
  if (options.allowedHosts !== undefined) {
    allowedHosts = compileAllowedHosts(options.allowedHosts);
    if (allowedHosts.wildcard) {
      warnings.push({
        code: WarningCodes.ALLOWED_HOSTS_WILDCARD,
        message:
          'allowedHosts contains "*": any Host is accepted, so Host-header poisoning (reset links, cache keys) is possible',
      });
    }
  }

  let secretHeader: string | undefined;
  let secretValues: readonly string[] = [];
  if (options.sharedSecret !== undefined) {
    const s = options.sharedSecret;
    if (!s || typeof s.header !== 'string' || !TOKEN.test(s.header)) {
      throw new TypeError('sharedSecret.header must be a header name');
    }
    if (
      !Array.isArray(s.values) ||
      s.values.length === 0 ||
      s.values.some((v) => typeof v !== 'string' || v.length < 16)
    ) {
      throw new TypeError(
        'sharedSecret.values must be a non-empty array of secrets of >= 16 chars',
      );
    }
    secretHeader = s.header.toLowerCase();
    secretValues = s.values.slice();
  }

  const allForwarded: readonly string[] = FORWARDED_HEADER_NAMES;
  const interesting = compileNames([
    'host',
    ':authority',
    'connection',
    ...allForwarded,
    ...(secretHeader ? [secretHeader] : []),
  ]);

  const internals: PolicyInternals = {
    ranges,
    fns,
    hopCount,
    maxHops,
    trustVerifiedPeers: options.trustVerifiedPeers === true,
    believed: believedSet,
    xff: believedSet.has('x-forwarded-for'),
    xfp: believedSet.has('x-forwarded-proto'),
    xfh: believedSet.has('x-forwarded-host'),
    xfport: believedSet.has('x-forwarded-port'),
    xfprefix: believedSet.has('x-forwarded-prefix'),
    fwd: believedSet.has('forwarded'),
    realIp: believedSet.has('x-real-ip'),
    hop0Schemes: believed.filter(
      (h) =>
        h === 'x-forwarded-ssl' ||
        h === 'front-end-https' ||
        h === 'x-forwarded-protocol' ||
        h === 'x-url-scheme',
    ),
    edges,
    secretHeader,
    secretValues,
    interesting,
    allForwarded,
    fastPathOk:
      fns.length === 0 &&
      hopCount === 0 &&
      secretHeader === undefined &&
      believed.every(
        (h) => h === 'x-forwarded-for' || h === 'x-forwarded-proto' || h === 'x-forwarded-host',
      ),
    trustCache: fns.length === 0 && hopCount === 0 ? newTrustCache() : undefined,
    hostCacheKeys: new Array<string | undefined>(8).fill(undefined),
    hostCacheValues: new Array<ParsedHost | undefined>(8).fill(undefined),
    hostCacheAllowed: new Array<boolean | undefined>(8).fill(undefined),
    hostCacheNext: 0,
  };
  return {
    description: {
      trustedProxies: [
        ...cidrs.map((c) => c.text),
        ...fns.map((f) => `function ${f.name || '(anonymous)'}`),
      ],
      headers: believed,
      allowedHosts: allowedHosts?.patterns,
      sharedSecretHeader: secretHeader,
      unsafeTrustHopCount: hopCount || undefined,
      trustVerifiedPeers: options.trustVerifiedPeers === true,
      maxHops,
    },
    warnings,
    headers: believed,
    families,
    allowedHosts,
    isTrusted: (address: string, hop: number) => isTrustedText(internals, address, hop),
    trustReason: (address: string, hop: number) => {
      if (hop < hopCount) return `hop ${hop} < unsafeTrustHopCount ${hopCount}`;
      const v = scanAddress(address, 0, address.length);
      if (v === 0) return undefined;
      const words = Uint32Array.from(scanned);
      for (const l of labelled) if (matchRanges(l.ranges, v, words)) return `matches ${l.label}`;
      for (const fn of fns) {
        try {
          if (fn(address, hop) === true) return `accepted by ${fn.name || 'a trust function'}`;
        } catch {
          // never trusts
        }
      }
      return undefined;
    },
    _: internals,
  };
}

/** Trust decision over address text. @internal */
export function isTrustedText(p: PolicyInternals, address: string, hop: number): boolean {
  if (hop < p.hopCount) return true;
  const v = scanAddress(address, 0, address.length);
  if (v === 0) return false;
  if (matchRanges(p.ranges, v, scanned)) return true;
  if (p.fns.length === 0) return false;
  for (const fn of p.fns) {
    try {
      if (fn(address, hop) === true) return true;
    } catch {
      // A throwing predicate never trusts.
    }
  }
  return false;
}
