/**
 * `proxytrust explain`: resolve one request from the command line and print the view and
 * the trace.
 */
import { isIP } from 'node:net';
import { NAMED_RANGES } from '../core/address.js';
import {
  compilePolicy,
  explain,
  type HeaderName,
  type PolicyOptions,
  resolve,
} from '../core/index.js';
import { getPreset, PRESET_NAMES } from '../core/presets.js';
import { didYouMean, parseCommandLine, UsageError } from './usage.js';

export const EXPLAIN_HELP = `Usage: proxytrust explain --peer ADDR [-H 'Name: value' ...] [--trust CIDR|NAME|PRESET ...] [options]

Resolve one request the way the proxytrust middleware would, and print the view and the
trace: hop by hop, what was believed and why.

  --peer ADDR            the socket peer address (required)
  -H, --header 'N: v'    a request header; repeat it, in order (a repeated name = two lines)
  --trust LIST           trusted proxies: CIDRs, IPs, loopback, private, linklocal,
                         uniquelocal, or a preset (cloudflare, cloudfront, ...); repeatable,
                         comma-separated
  --headers LIST         the headers your proxies write, the only ones believed: names
                         (x-forwarded-for, forwarded, x-real-ip, cf-connecting-ip, ...)
                         or shorthands (x-forwarded, cloudflare, ssl-flags, ...);
                         comma-separated (default: x-forwarded-for,x-forwarded-proto, or
                         exactly the named presets' headers)
  --allowed-host H       an allowed host (app.example.com, .example.com, *); repeatable
  --tls                  the connection to the app is TLS
  --unsafe-hop-count N   trust the first N hops whatever their address (unsafe, warned)
  --json                 print {view, trace, policyWarnings} as JSON
  --examples             print the worked examples (duplicated proto, spoof attempt, ...)
  -h, --help             this help

Exit status: 0 resolved, 2 usage error (bad option, CIDR, preset or header).`;

/** Parse `Name: value` into a raw header pair. */
export function parseHeaderArg(text: string): [string, string] {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new UsageError(`bad header "${text}": expected 'Name: value'`);
  const name = text.slice(0, colon).trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new UsageError(`bad header name "${name}"`);
  }
  const value = text.slice(colon + 1).trim();
  // CR, LF, NUL and other controls cannot be in a field value (RFC 9110 5.5): one -H is one line
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
    throw new UsageError(
      `bad header value for ${name}: control characters (CR, LF, ...) are not allowed; give each header its own -H`,
    );
  }
  return [name, value];
}

function list(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

export interface ExplainInput {
  peer: string;
  rawHeaders: string[];
  encrypted: boolean;
  options: PolicyOptions;
}

/** Resolve and render one request. */
export function renderExplain(input: ExplainInput, json: boolean): string {
  let policy: ReturnType<typeof compilePolicy>;
  try {
    policy = compilePolicy(input.options);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const view = resolve(policy, {
    peer: input.peer,
    headers: input.rawHeaders,
    encrypted: input.encrypted,
  });
  const trace = explain(view, policy);
  if (json) {
    return JSON.stringify({ view, trace, policyWarnings: policy.warnings }, null, 2);
  }
  const req = [`peer ${input.peer}${input.encrypted ? ' (TLS)' : ''}`];
  for (let i = 0; i < input.rawHeaders.length; i += 2) {
    req.push(`  ${input.rawHeaders[i]}: ${input.rawHeaders[i + 1]}`);
  }
  const trust = policy.description.trustedProxies;
  return [
    'request:',
    `  ${req.join('\n')}`,
    `policy: trust ${trust.length ? trust.join(', ') : '(nobody)'}; believe ${policy.headers.join(', ')}`,
    trace,
  ].join('\n');
}

/** Worked examples, printed by `--examples` (and `npm start`). */
export const EXAMPLES: readonly { title: string; input: ExplainInput }[] = [
  {
    title: 'The reference chain: CDN -> load balancer -> nginx -> app, all trusted hops walked',
    input: {
      peer: '127.0.0.1',
      rawHeaders: [
        'Host',
        'app.internal:8080',
        'X-Forwarded-For',
        '203.0.113.7, 10.1.2.3, 172.16.5.4',
        'X-Forwarded-Proto',
        'https',
        'X-Forwarded-Host',
        'app.example.com',
      ],
      encrypted: false,
      options: {
        trustedProxies: ['loopback', '10.0.0.0/8', '172.16.0.0/12'],
        headers: ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'],
        allowedHosts: ['app.example.com'],
      },
    },
  },
  {
    title:
      'nginx sets X-Forwarded-Proto twice (an ingress snippet on top of the default): two lines, resolved to https with a warning',
    input: {
      peer: '127.0.0.1',
      rawHeaders: [
        'Host',
        'app.example.com',
        'X-Forwarded-For',
        '198.51.100.23',
        'X-Forwarded-Proto',
        'https',
        'X-Forwarded-Proto',
        'https',
      ],
      encrypted: false,
      options: { trustedProxies: ['loopback'] },
    },
  },
  {
    title:
      'A spoof attempt: a client connects straight to the app and claims https, another host and another IP',
    input: {
      peer: '198.51.100.99',
      rawHeaders: [
        'Host',
        'app.example.com',
        'X-Forwarded-Proto',
        'https',
        'X-Forwarded-Host',
        'evil.example.net',
        'X-Forwarded-For',
        '1.2.3.4',
      ],
      encrypted: false,
      options: { trustedProxies: ['loopback', '10.0.0.0/8'], allowedHosts: ['app.example.com'] },
    },
  },
  {
    title:
      'An appending proxy: the client forged X-Forwarded-For and -Proto, the trusted proxy appended the truth',
    input: {
      peer: '10.0.0.5',
      rawHeaders: [
        'Host',
        'app.example.com',
        'X-Forwarded-For',
        '6.6.6.6, 198.51.100.23',
        'X-Forwarded-Proto',
        'https, http',
      ],
      encrypted: false,
      options: { trustedProxies: ['10.0.0.0/8'] },
    },
  },
];

const EXPLAIN_OPTIONS = {
  peer: { type: 'string' },
  header: { type: 'string', short: 'H', multiple: true },
  trust: { type: 'string', multiple: true },
  headers: { type: 'string' },
  'allowed-host': { type: 'string', multiple: true },
  tls: { type: 'boolean' },
  'unsafe-hop-count': { type: 'string' },
  json: { type: 'boolean' },
  examples: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The socket peer: an IPv4 or IPv6 address (brackets allowed), nothing else. */
function checkPeer(text: string): string {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIP(bare.split('%')[0]!) === 0) {
    throw new UsageError(`--peer needs an IP address (the socket peer), not "${text}"`);
  }
  return text;
}

/** A trust entry the CLI can name: a mistyped name gets the nearest and the list of names. */
function checkTrust(entries: readonly string[]): string[] {
  for (const entry of entries) {
    const key = entry.toLowerCase();
    if (/^[a-z_][a-z0-9_-]*$/.test(key) && !Object.hasOwn(NAMED_RANGES, key) && !getPreset(key)) {
      const names = [...Object.keys(NAMED_RANGES), ...PRESET_NAMES];
      throw new UsageError(
        `--trust: unknown name "${entry}"${didYouMean(key, names)}; expected a CIDR, an IP, a range (${Object.keys(NAMED_RANGES).join(', ')}) or a preset (${PRESET_NAMES.join(', ')})`,
      );
    }
  }
  return [...entries];
}

/** Run `proxytrust explain` with argv (after the command name). Returns the text to print. */
export function runExplain(argv: string[]): string {
  const parsed = parseCommandLine('explain', argv, EXPLAIN_OPTIONS, false);
  const v = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (v.help) return EXPLAIN_HELP;
  const json = v.json === true;
  if (v.examples) {
    if (json) {
      return JSON.stringify(
        EXAMPLES.map((ex) => ({ title: ex.title, ...JSON.parse(renderExplain(ex.input, true)) })),
        null,
        2,
      );
    }
    return EXAMPLES.map(
      (ex, i) =>
        `=== Example ${i + 1}: ${ex.title}\n$ ${commandLine(ex.input)}\n\n${renderExplain(ex.input, false)}`,
    ).join('\n\n');
  }
  if (typeof v.peer !== 'string' || v.peer === '') {
    throw new UsageError('--peer ADDR is required (see proxytrust explain --help)');
  }
  checkPeer(v.peer);
  const rawHeaders: string[] = [];
  for (const h of (v.header as string[] | undefined) ?? []) rawHeaders.push(...parseHeaderArg(h));
  const options: {
    -readonly [K in keyof PolicyOptions]: PolicyOptions[K];
  } = { trustedProxies: checkTrust(list(v.trust as string[] | undefined)) };
  if (typeof v.headers === 'string') options.headers = list([v.headers]) as HeaderName[];
  if (v['allowed-host'] !== undefined) options.allowedHosts = list(v['allowed-host'] as string[]);
  if (typeof v['unsafe-hop-count'] === 'string') {
    const text = v['unsafe-hop-count'];
    // digits only: Number() would take '0x10', '1e1', ' 3 ' and '' (as 0)
    if (!/^\d{1,3}$/.test(text)) {
      throw new UsageError(`--unsafe-hop-count takes a whole number of hops, not "${text}"`);
    }
    options.unsafeTrustHopCount = Number(text);
  }
  return renderExplain({ peer: v.peer, rawHeaders, encrypted: v.tls === true, options }, json);
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:,=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command line that reproduces an example. */
export function commandLine(input: ExplainInput): string {
  const parts = ['proxytrust', 'explain', '--peer', input.peer];
  for (let i = 0; i < input.rawHeaders.length; i += 2) {
    parts.push('-H', shellQuote(`${input.rawHeaders[i]}: ${input.rawHeaders[i + 1]}`));
  }
  const tp = input.options.trustedProxies;
  if (Array.isArray(tp)) for (const t of tp) if (typeof t === 'string') parts.push('--trust', t);
  if (input.options.headers !== undefined) parts.push('--headers', input.options.headers.join(','));
  for (const h of input.options.allowedHosts ?? []) parts.push('--allowed-host', h);
  if (input.encrypted) parts.push('--tls');
  return parts.join(' ');
}
