/**
 * What one configuration file says about its hop, in terms every kind shares: where it
 * listens, where it sends requests, which request headers it writes towards the next hop,
 * and which headers it believes. Each kind's handler derives these from its parsed file;
 * the cross-file rules (./cross/) read only these, never a kind's own tree.
 */
import type { LintKind } from './types.js';

/** True when a trusted range covers every address (`0.0.0.0/0`, `::/0`, `0/0`, any `/0`). */
export const coversAll = (cidr: string): boolean => /^[0-9a-f.:]*\/0$/i.test(cidr.trim());

/** A place in a file. */
export interface Loc {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** An address a hop listens on (a proxy's `listen`/`bind`, an app server's bind). */
export interface Listener {
  /** Host or address as written (`0.0.0.0`, `127.0.0.1`, `[::]`, a compose service name); undefined: any. */
  readonly host?: string;
  /** undefined when unknown (templated, from the environment). */
  readonly port?: number;
  /** The hop terminates TLS on it. */
  readonly tls?: boolean;
  /** A Unix socket path instead of host and port. */
  readonly socket?: string;
  readonly at: Loc;
}

/** Where a proxy sends requests. */
export interface Target {
  /** Host, address, upstream or compose service name; undefined for a Unix socket. */
  readonly host?: string;
  readonly port?: number;
  readonly socket?: string;
  readonly at: Loc;
}

/**
 * A request header a proxy writes towards the next hop. `set`: replaces the client's;
 * `append`: keeps the client's and adds (`$proxy_add_x_forwarded_for`, `option forwardfor`
 * without `if-none`, mod_proxy's X-Forwarded-For); `clear`: removes the client's;
 * `if-absent`: sets it only when the client sent none (keeps a forged one). A header
 * a proxy does not list is passed through from the client unchanged.
 */
export interface HeaderWrite {
  /** Lower case. */
  readonly name: string;
  readonly action: 'set' | 'append' | 'clear' | 'if-absent';
  /** The value as written, when known (`$scheme`, `https`, `%[src]`). */
  readonly value?: string;
  /** Written only on TLS listeners (a scheme header set only in the 443 server). */
  readonly onlyTls?: boolean;
  /** The proxy writes it by default, with no line of its own (Caddy, mod_proxy). */
  readonly implicit?: boolean;
  readonly at: Loc;
}

/** What a forwarded header is believed for. */
export type Purpose = 'scheme' | 'host' | 'port' | 'client' | 'prefix';

/** A request header that an app (or a proxy's real-IP module) believes. */
export interface Belief {
  /** Lower case. */
  readonly name: string;
  readonly purpose: Purpose;
  /** The value that means https, for a scheme header (`https`, `on`), when known. */
  readonly value?: string;
  /** Reads the leftmost X-Forwarded-For entry (Express `trust proxy` true, uvicorn `*`). */
  readonly leftmost?: boolean;
  readonly at: Loc;
}

/** Whose forwarded headers a hop believes. */
export interface Trust {
  /** Every peer (`*`, `0.0.0.0/0`, Express `true`). */
  readonly all?: boolean;
  /** Addresses and CIDRs, as written. */
  readonly cidrs?: readonly string[];
  /** A hop count (Express `trust proxy` = n). */
  readonly hops?: number;
  /** The value comes from the environment or a template: unknown. */
  readonly unknown?: boolean;
  /**
   * The hop has no setting that names its proxies (Django believes its settings' headers
   * from whoever reaches it): only the network in front narrows it, so no fix in the file.
   */
  readonly inherent?: boolean;
  readonly at: Loc;
}

/** One hop as a file describes it. */
export interface HopModel {
  readonly file: string;
  readonly kind: LintKind;
  /** `proxy` forwards to another hop; `app` answers (Django, an app server, Express). */
  readonly role: 'proxy' | 'app';
  /** A short label for people (`nginx :443`, `gunicorn 127.0.0.1:8000`). */
  readonly label: string;
  /** A compose service or similar name that other files use to reach this hop. */
  readonly names?: readonly string[];
  readonly listens: readonly Listener[];
  readonly targets: readonly Target[];
  /**
   * The address a proxy connects to the next hop from, when its file names it (nginx
   * `proxy_bind`, HAProxy `source`, Apache `ProxySourceAddress`).
   */
  readonly source?: string;
  readonly writes: readonly HeaderWrite[];
  readonly believes: readonly Belief[];
  readonly trust?: Trust;
  /**
   * Purposes whose believed headers must agree, or the hop refuses the request (gunicorn
   * answers 400 when its scheme headers disagree): one of them written by the proxy in
   * front then guards the others.
   */
  readonly mustAgree?: readonly Purpose[];
  /** Where the hop adds Strict-Transport-Security to responses. */
  readonly hsts?: Loc;
  /** Things this file leaves unknown (templated values, environment variables). */
  readonly unknowns?: readonly string[];
}
