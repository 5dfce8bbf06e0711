/**
 * Where the audit connects: curl-compatible `--resolve host:port:addr` and
 * `--connect-to h1:p1:h2:p2`. The audit only ever connects where it is told: the URL's own
 * host and port, unless one of these rules names another address.
 */

/** One `--resolve host:port:addr` rule: connections to host:port go to addr. */
export interface ResolveRule {
  readonly host: string;
  readonly port: number;
  readonly address: string;
}

/** One `--connect-to h1:p1:h2:p2` rule; an empty h1 or p1 matches any, an empty h2 or p2 keeps it. */
export interface ConnectToRule {
  readonly fromHost: string;
  readonly fromPort: number | undefined;
  readonly toHost: string;
  readonly toPort: number | undefined;
}

/** The connection rules of one audit. */
export interface NetworkRules {
  readonly resolve: readonly ResolveRule[];
  readonly connectTo: readonly ConnectToRule[];
}

/** No rules: connect to each URL's own host and port. */
export const NO_RULES: NetworkRules = Object.freeze({ resolve: [], connectTo: [] });

/** A bad rule; the message says what is wrong. */
export class RuleSyntaxError extends Error {
  override readonly name = 'RuleSyntaxError';
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Split on colons outside [brackets]. */
function splitColons(text: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of text) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ':' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

function parsePort(text: string, what: string, allowEmpty: boolean): number | undefined {
  if (text === '' && allowEmpty) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new RuleSyntaxError(`bad port "${text}" in ${what}`);
  }
  return Number(text);
}

/** Parse `host:port:addr` (curl's `--resolve`; IPv6 in brackets). Only one address is used. */
export function parseResolveRule(text: string): ResolveRule {
  const parts = splitColons(text.trim());
  if (parts.length !== 3 || !parts[0] || !parts[2]) {
    throw new RuleSyntaxError(`bad --resolve "${text}": expected host:port:address`);
  }
  const address = unbracket(parts[2].split(',')[0]!.trim());
  return {
    host: unbracket(parts[0]).toLowerCase(),
    port: parsePort(parts[1]!, `--resolve "${text}"`, false)!,
    address,
  };
}

/** Parse `h1:p1:h2:p2` (curl's `--connect-to`; IPv6 in brackets; empty parts are wildcards). */
export function parseConnectToRule(text: string): ConnectToRule {
  const parts = splitColons(text.trim());
  if (parts.length !== 4) {
    throw new RuleSyntaxError(`bad --connect-to "${text}": expected host1:port1:host2:port2`);
  }
  const what = `--connect-to "${text}"`;
  return {
    fromHost: unbracket(parts[0]!).toLowerCase(),
    fromPort: parsePort(parts[1]!, what, true),
    toHost: unbracket(parts[2]!),
    toPort: parsePort(parts[3]!, what, true),
  };
}

/**
 * Where to open the TCP connection for a request to `host:port` (host without brackets):
 * the first matching `--connect-to` rule changes host and/or port, then a `--resolve` rule
 * for the resulting host and port names the address. Without rules, `host:port` itself.
 */
export function route(
  rules: NetworkRules,
  host: string,
  port: number,
): { host: string; port: number; resolvedBy?: string } {
  const h = host.toLowerCase();
  let toHost = host;
  let toPort = port;
  let via: string | undefined;
  for (const r of rules.connectTo) {
    if (
      (r.fromHost === '' || r.fromHost === h) &&
      (r.fromPort === undefined || r.fromPort === port)
    ) {
      toHost = r.toHost === '' ? host : r.toHost;
      toPort = r.toPort ?? port;
      via = `--connect-to ${r.fromHost}:${r.fromPort ?? ''}:${r.toHost}:${r.toPort ?? ''}`;
      break;
    }
  }
  const th = toHost.toLowerCase();
  for (const r of rules.resolve) {
    if (r.host === th && r.port === toPort) {
      return {
        host: r.address,
        port: toPort,
        resolvedBy: `--resolve ${r.host}:${r.port}:${r.address}`,
      };
    }
  }
  return via ? { host: toHost, port: toPort, resolvedBy: via } : { host: toHost, port: toPort };
}
