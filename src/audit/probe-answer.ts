/**
 * Reading a probe's answer (docs/probe-protocol.md) defensively: a probe is code in someone
 * else's app, and its answer is evidence only where each field has the protocol's type.
 * A field of the wrong type is dropped (and named), never trusted and never a crash.
 */

/** One warning a probe reports. */
export interface ProbeWarning {
  readonly code: string;
  readonly message: string;
  readonly header?: string;
  readonly value?: string;
}

/** What the probe endpoint answered, every field of the protocol's type or absent. */
export interface ProbeAnswer {
  readonly version: number;
  readonly view: {
    /** `http` or `https`; absent when the probe said null, or something else. */
    readonly scheme?: 'http' | 'https';
    readonly secure?: boolean;
    /** The host the app believes; `null` when it refused the host (see `errors.host`). */
    readonly host?: string | null;
    readonly hostname?: string | null;
    readonly port?: number;
    readonly clientIp?: string;
    readonly peer?: string;
    readonly peerTrusted?: boolean;
    readonly warnings?: readonly ProbeWarning[];
    readonly [k: string]: unknown;
  };
  /** Lower-case header name -> the lines as received. */
  readonly forwarded: Readonly<Record<string, readonly string[]>>;
  readonly warnings: readonly ProbeWarning[];
  /** What answered (docs/probe-protocol.md): `proxytrust` when absent, `django`, `wsgi`, ... */
  readonly probe?: string;
  /** `joined` when the server joined duplicate header lines (WSGI): a comma may be two lines. */
  readonly headerLines?: 'separate' | 'joined';
  /** Field -> the exception computing it raised (Django's DisallowedHost for `host`). */
  readonly errors?: Readonly<Record<string, string>>;
  /** The framework's own values, keyed by the expression that produced them (evidence only). */
  readonly app?: Readonly<Record<string, unknown>>;
  readonly csrf?: { readonly lastFailure?: { readonly reason?: string } | null };
}

/** A parsed answer, or why there is none; `dropped` names fields of the wrong type. */
export interface ParsedProbeAnswer {
  readonly answer?: ProbeAnswer;
  readonly problem?: string;
  readonly dropped: readonly string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function warningsOf(v: unknown, where: string, dropped: string[]): ProbeWarning[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    dropped.push(where);
    return [];
  }
  const out: ProbeWarning[] = [];
  v.forEach((w, i) => {
    if (!isRecord(w) || typeof w.code !== 'string') {
      dropped.push(`${where}[${i}]`);
      return;
    }
    out.push({
      code: w.code,
      message: typeof w.message === 'string' ? w.message : '',
      ...(typeof w.header === 'string' ? { header: w.header.toLowerCase() } : {}),
      ...(typeof w.value === 'string' ? { value: w.value } : {}),
    });
  });
  return out;
}

/**
 * Parse a probe's JSON answer. Each field the audit reads is kept only with the protocol's
 * type; `view.scheme` only as `http` or `https` (a `null`, or uwsgi's verbatim
 * `"http, https"`, says nothing about the scheme).
 */
export function parseProbeAnswer(text: string): ParsedProbeAnswer {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { problem: 'probe answer is not JSON', dropped: [] };
  }
  if (!isRecord(doc) || !isRecord(doc.view)) {
    return { problem: 'probe answer is not a probe document (no "view" object)', dropped: [] };
  }
  const dropped: string[] = [];
  const v = doc.view;
  const view: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(v)) {
    if (
      ![
        'scheme',
        'secure',
        'host',
        'hostname',
        'port',
        'clientIp',
        'peer',
        'peerTrusted',
        'warnings',
      ].includes(k)
    ) {
      view[k] = value;
    }
  }
  const keep = (name: string, ok: (x: unknown) => boolean, allowNull = true) => {
    const x = v[name];
    if (x === undefined || (x === null && allowNull)) {
      if (x === null && name === 'host') view.host = null;
      if (x === null && name === 'hostname') view.hostname = null;
      return;
    }
    if (ok(x)) view[name] = x;
    else dropped.push(`view.${name}`);
  };
  keep('scheme', (x) => x === 'http' || x === 'https');
  keep('secure', (x) => typeof x === 'boolean');
  keep('host', (x) => typeof x === 'string');
  keep('hostname', (x) => typeof x === 'string');
  keep('port', (x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 65535);
  keep('clientIp', (x) => typeof x === 'string');
  keep('peer', (x) => typeof x === 'string');
  keep('peerTrusted', (x) => typeof x === 'boolean');
  if (v.warnings !== undefined) view.warnings = warningsOf(v.warnings, 'view.warnings', dropped);

  const forwarded: Record<string, string[]> = {};
  if (isRecord(doc.forwarded)) {
    for (const [name, lines] of Object.entries(doc.forwarded)) {
      if (Array.isArray(lines) && lines.every((l) => typeof l === 'string')) {
        forwarded[name.toLowerCase()] = lines as string[];
      } else {
        dropped.push(`forwarded.${name}`);
      }
    }
  } else if (doc.forwarded !== undefined && doc.forwarded !== null) {
    dropped.push('forwarded');
  }

  const errors: Record<string, string> = {};
  if (isRecord(doc.errors)) {
    for (const [k, e] of Object.entries(doc.errors)) {
      if (typeof e === 'string') errors[k] = e;
      else dropped.push(`errors.${k}`);
    }
  } else if (doc.errors !== undefined && doc.errors !== null) {
    dropped.push('errors');
  }

  let csrf: ProbeAnswer['csrf'];
  if (isRecord(doc.csrf)) {
    const lf = doc.csrf.lastFailure;
    csrf = {
      lastFailure: isRecord(lf) && typeof lf.reason === 'string' ? { reason: lf.reason } : null,
    };
  }

  const answer: ProbeAnswer = {
    version: typeof doc.version === 'number' ? doc.version : 0,
    view: view as ProbeAnswer['view'],
    forwarded,
    warnings: warningsOf(doc.warnings, 'warnings', dropped),
    ...(typeof doc.probe === 'string' ? { probe: doc.probe } : {}),
    ...(doc.headerLines === 'separate' || doc.headerLines === 'joined'
      ? { headerLines: doc.headerLines }
      : {}),
    ...(Object.keys(errors).length > 0 ? { errors } : {}),
    ...(isRecord(doc.app) ? { app: doc.app } : {}),
    ...(csrf ? { csrf } : {}),
  };
  return { answer, dropped };
}

const CODES = new Set(['DUPLICATED_VALUES', 'CONTRADICTORY_VALUES', 'DUPLICATE_HEADER_LINES']);

/**
 * Headers that are lists by design, where each proxy may add its own line (HAProxy
 * `option forwardfor` adds a line; RFC 7239 allows several Forwarded lines): extra lines
 * are normal there, only duplicated or contradictory values count.
 */
const LIST_HEADERS: ReadonlySet<string> = new Set(['x-forwarded-for', 'forwarded', 'via']);

/** Forwarded headers that carry one value: a list there is a duplicate. */
const SINGLE_VALUED: ReadonlySet<string> = new Set([
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-ssl',
  'x-forwarded-protocol',
  'cloudfront-forwarded-proto',
  'x-url-scheme',
  'front-end-https',
]);

/** One duplicated or contradictory forwarded header that reached the app, said for people. */
export interface DuplicatedForwarded {
  /** The header, when known (a warning may not name one). */
  readonly header?: string;
  readonly text: string;
}

/**
 * The forwarded headers that reached the app duplicated or contradictory, from the probe's
 * answer: a single-valued header on several lines, the probe's own DUPLICATED_VALUES,
 * CONTRADICTORY_VALUES and DUPLICATE_HEADER_LINES warnings (not for list headers), and, for
 * a probe without those warnings (Django, WSGI, ...), a single-valued header whose value is a
 * list (two lines joined by the server, or a header set twice). The forwarded-duplicates
 * check judges by it, and the chain drawing marks by it.
 */
export function duplicatedForwarded(answer: ProbeAnswer): DuplicatedForwarded[] {
  const found: DuplicatedForwarded[] = [];
  const named = (header: string | undefined, prefix: string) =>
    found.some((f) => f.text.startsWith(`${header}${prefix}`));
  for (const [name, values] of Object.entries(answer.forwarded)) {
    if (values.length > 1 && !LIST_HEADERS.has(name))
      found.push({ header: name, text: `${name} arrived on ${values.length} lines` });
  }
  const seen = new Set<string>();
  for (const w of [...(answer.view.warnings ?? []), ...answer.warnings]) {
    const key = `${w.code}|${w.header}|${w.value}`;
    if (!CODES.has(w.code) || seen.has(key)) continue;
    if (w.code === 'DUPLICATE_HEADER_LINES' && w.header && LIST_HEADERS.has(w.header)) continue;
    seen.add(key);
    const lineCount = w.header ? answer.forwarded[w.header]?.length : undefined;
    if (w.code === 'DUPLICATE_HEADER_LINES' && named(w.header, ' arrived')) continue;
    found.push({
      ...(w.header ? { header: w.header } : {}),
      text: `${w.header ?? 'a forwarded header'}: ${w.code}${w.value ? ` (${w.value})` : ''}${lineCount ? `, ${lineCount} line(s)` : ''}`,
    });
  }
  for (const [name, values] of Object.entries(answer.forwarded)) {
    if (!SINGLE_VALUED.has(name) || named(name, '')) continue;
    const listed = values.find((v) => v.includes(','));
    if (listed !== undefined)
      found.push({
        header: name,
        text: `${name}: "${listed}" carries several values (${answer.headerLines === 'joined' ? 'the server joined its lines, so it arrived on several lines or with a duplicated value' : 'a duplicated value'})`,
      });
  }
  return found;
}

/** The name of what answered, for summaries: `the Django probe`, `proxytrust's probe`. */
export function probeName(answer: ProbeAnswer): string {
  const p = answer.probe ?? 'proxytrust';
  const names: Record<string, string> = {
    proxytrust: "proxytrust's probe",
    django: 'the Django probe',
    wsgi: 'the WSGI probe',
    asgi: 'the ASGI probe',
    express: 'the Express probe',
    fastify: 'the Fastify probe',
    koa: 'the Koa probe',
  };
  return names[p] ?? `the ${p.replace(/[^\w.-]/g, '?').slice(0, 30)} probe`;
}
