#!/usr/bin/env node
// Refresh the provider range data in src/core/presets/data.ts from the providers' own lists:
//   - Cloudflare: https://www.cloudflare.com/ips-v4 and https://www.cloudflare.com/ips-v6
//   - CloudFront: https://ip-ranges.amazonaws.com/ip-ranges.json, service
//     CLOUDFRONT_ORIGIN_FACING only (the addresses CloudFront uses to reach origins), both
//     `prefixes` (IPv4) and `ipv6_prefixes` (IPv6).
// Every CIDR is validated strictly (family, prefix length, no host bits set), duplicates are
// dropped, the lists are sorted numerically, and the data file is rewritten with today's date.
//
// Usage: node scripts/refresh-presets.mjs [--from-dir DIR] [--out FILE] [--check] [--date YYYY-MM-DD]
//   --from-dir DIR  read local copies DIR/ip-ranges.json, DIR/ips-v4, DIR/ips-v6 (no network)
//   --out FILE      write (or check) FILE instead of src/core/presets/data.ts
//   --check         write nothing; exit 1 when the ranges differ from those in the data file
//                   (the date and provenance change on every run and are not compared)
//   --date DATE     the date to record (default: today, UTC)
// Exit codes: 0 success (or no change with --check), 1 change found with --check,
// 2 usage error, 3 fetch or validation error (nothing is written).
// Plain Node >= 20, no dependencies (global fetch).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_OUT = join(ROOT, 'src', 'core', 'presets', 'data.ts');

export const URLS = Object.freeze({
  awsIpRanges: 'https://ip-ranges.amazonaws.com/ip-ranges.json',
  cloudflareV4: 'https://www.cloudflare.com/ips-v4',
  cloudflareV6: 'https://www.cloudflare.com/ips-v6',
});
const CLOUDFRONT_SERVICE = 'CLOUDFRONT_ORIGIN_FACING';
const FETCH_TIMEOUT_MS = 30_000;
const MAX_BODY = 16 * 1024 * 1024;

/** A usage or data error with its exit code. */
class RefreshError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

// ---- strict CIDR parsing -------------------------------------------------------------------

const DEC_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const PREFIX = /^(0|[1-9][0-9]{0,2})$/;
const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** IPv4 text to a 32-bit unsigned number, or undefined. No leading zeros, no shorthand. */
function parseV4(text) {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!DEC_OCTET.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** IPv6 text (RFC 4291 forms, optional trailing dotted quad, no zone) to a BigInt. */
function parseV6(text) {
  if (text.length === 0 || text.length > 45 || text.includes('%')) return undefined;
  let head = text;
  let tail = '';
  const dbl = text.indexOf('::');
  if (dbl >= 0) {
    if (text.indexOf('::', dbl + 1) >= 0) return undefined;
    head = text.slice(0, dbl);
    tail = text.slice(dbl + 2);
  }
  const split = (s) => (s === '' ? [] : s.split(':'));
  const headParts = split(head);
  const tailParts = split(tail);
  const words = [];
  const pushParts = (parts, isLast) => {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (isLast && i === parts.length - 1 && p.includes('.')) {
        const v4 = parseV4(p);
        if (v4 === undefined) return false;
        words.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!HEXTET.test(p)) return false;
        words.push(Number.parseInt(p, 16));
      }
    }
    return true;
  };
  const headWords = [];
  if (!pushParts(headParts, dbl < 0)) return undefined;
  headWords.push(...words.splice(0));
  if (dbl >= 0 && !pushParts(tailParts, true)) return undefined;
  const tailWords = words.splice(0);
  let all;
  if (dbl >= 0) {
    const fill = 8 - headWords.length - tailWords.length;
    if (fill < 1) return undefined;
    all = [...headWords, ...new Array(fill).fill(0), ...tailWords];
  } else {
    all = headWords;
  }
  if (all.length !== 8) return undefined;
  let n = 0n;
  for (const w of all) n = (n << 16n) | BigInt(w);
  return n;
}

/** RFC 5952 text for a 128-bit BigInt: lowercase, longest zero run (>= 2) compressed. */
function formatV6(n) {
  const words = [];
  for (let i = 7; i >= 0; i--) words.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * Parse `address/prefix` strictly. The family must match `family` (4 or 6), the prefix is
 * required, and no bit may be set beyond the prefix.
 * @returns {{ version: 4|6, value: bigint, prefix: number, text: string }}
 * @throws {RefreshError} naming the value and where it came from.
 */
export function parseCidrStrict(raw, family, where) {
  const fail = (why) =>
    new RefreshError(`${where}: invalid CIDR ${JSON.stringify(raw)}: ${why}`, 3);
  if (typeof raw !== 'string') throw fail('not a string');
  if (!/^[0-9a-fA-F:./]+$/.test(raw)) {
    throw fail('unexpected characters (an error page instead of a list?)');
  }
  const slash = raw.indexOf('/');
  if (slash < 0) throw fail('missing /prefix');
  const addr = raw.slice(0, slash);
  const prefixText = raw.slice(slash + 1);
  if (!PREFIX.test(prefixText)) throw fail('prefix is not a decimal number');
  const prefix = Number(prefixText);
  const isV6 = addr.includes(':');
  const version = isV6 ? 6 : 4;
  if (family !== undefined && version !== family) throw fail(`expected an IPv${family} range`);
  const max = isV6 ? 128 : 32;
  if (prefix > max) throw fail(`prefix must be 0..${max}`);
  let value;
  if (isV6) {
    value = parseV6(addr);
  } else {
    const v4 = parseV4(addr);
    value = v4 === undefined ? undefined : BigInt(v4);
  }
  if (value === undefined) throw fail(`"${addr}" is not an IPv${version} address`);
  const hostBits = BigInt(max - prefix);
  if (hostBits > 0n && value & ((1n << hostBits) - 1n)) {
    throw fail(`address has bits set beyond /${prefix}`);
  }
  const text = isV6 ? `${formatV6(value)}/${prefix}` : `${addr}/${prefix}`;
  return { version, value, prefix, text };
}

/** Validate, canonicalise, de-duplicate and sort a list of CIDRs of one family. */
export function normalise(list, family, where) {
  const seen = new Map();
  for (const raw of list) {
    const c = parseCidrStrict(raw, family, where);
    if (!seen.has(c.text)) seen.set(c.text, c);
  }
  return [...seen.values()]
    .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.prefix - b.prefix))
    .map((c) => c.text);
}

// ---- sources ---------------------------------------------------------------------------------

/** Lines of a plain-text list: trimmed, blank lines and `#` comments dropped. */
function textLines(body) {
  return body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Extract the CLOUDFRONT_ORIGIN_FACING prefixes from an ip-ranges.json document. */
export function extractCloudFront(body, where) {
  let doc;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    throw new RefreshError(`${where}: not JSON (${e.message})`, 3);
  }
  if (!doc || !Array.isArray(doc.prefixes) || !Array.isArray(doc.ipv6_prefixes)) {
    throw new RefreshError(`${where}: expected "prefixes" and "ipv6_prefixes" arrays`, 3);
  }
  const v4 = doc.prefixes
    .filter((p) => p && p.service === CLOUDFRONT_SERVICE)
    .map((p) => p.ip_prefix);
  const v6 = doc.ipv6_prefixes
    .filter((p) => p && p.service === CLOUDFRONT_SERVICE)
    .map((p) => p.ipv6_prefix);
  if (v4.length === 0) {
    throw new RefreshError(`${where}: no ${CLOUDFRONT_SERVICE} IPv4 prefixes found`, 3);
  }
  const meta = [];
  if (typeof doc.createDate === 'string') meta.push(`createDate ${doc.createDate}`);
  if (typeof doc.syncToken === 'string') meta.push(`syncToken ${doc.syncToken}`);
  return {
    v4: normalise(v4, 4, `${where} (${CLOUDFRONT_SERVICE} prefixes)`),
    v6: normalise(v6, 6, `${where} (${CLOUDFRONT_SERVICE} ipv6_prefixes)`),
    meta,
  };
}

/** Parse one of Cloudflare's plain-text lists. */
export function extractCloudflare(body, family, where) {
  const lines = textLines(body);
  if (lines.length === 0) throw new RefreshError(`${where}: empty list`, 3);
  return normalise(lines, family, where);
}

async function fetchText(url) {
  let res;
  try {
    res = await fetch(url, {
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      headers: { 'user-agent': 'proxytrust refresh-presets' },
    });
  } catch (e) {
    throw new RefreshError(`${url}: fetch failed (${e.message})`, 3);
  }
  if (!res.ok) throw new RefreshError(`${url}: HTTP ${res.status}`, 3);
  const body = await res.text();
  if (body.length > MAX_BODY) throw new RefreshError(`${url}: body larger than ${MAX_BODY}`, 3);
  return body;
}

function readLocal(dir, name) {
  const path = join(dir, name);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new RefreshError(`${path}: cannot read (${e.code ?? e.message})`, 3);
  }
}

// ---- output ----------------------------------------------------------------------------------

const q = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** An array property formatted as Biome formats it: inline when it fits in 100 columns. */
function arrayProp(indent, key, items) {
  const inline = `${indent}${key}: [${items.map(q).join(', ')}],`;
  if (items.length === 0 || inline.length <= 100) return [inline];
  return [`${indent}${key}: [`, ...items.map((i) => `${indent}  ${q(i)},`), `${indent}],`];
}

/** Render the data module. `data` maps provider name to its record. */
export function render(data) {
  const out = [
    '// generated by scripts/refresh-presets.mjs: do not edit by hand.',
    '// Refresh with `npm run refresh-presets` (see docs/presets.md).',
    '',
    '/** Ranges of one provider, as fetched from the provider on `updated`. */',
    'export interface RangeData {',
    '  /** ISO date (YYYY-MM-DD) the lists were fetched or copied. */',
    '  readonly updated: string;',
    "  /** The provider's official URLs for these lists. */",
    '  readonly sources: readonly string[];',
    '  /** How this copy was obtained (fetch, local copy, or a vendored copy and its commit). */',
    '  readonly provenance: readonly string[];',
    '  /** IPv4 CIDRs, sorted numerically. */',
    '  readonly v4: readonly string[];',
    '  /** IPv6 CIDRs, sorted numerically. */',
    '  readonly v6: readonly string[];',
    '}',
    '',
    '/** Provider ranges used by the presets in ../presets.ts. */',
    'export const RANGES: {',
    '  readonly cloudflare: RangeData;',
    '  readonly cloudfront: RangeData;',
    '} = {',
  ];
  for (const key of ['cloudflare', 'cloudfront']) {
    const r = data[key];
    out.push(`  ${key}: {`);
    out.push(`    updated: ${q(r.updated)},`);
    out.push(...arrayProp('    ', 'sources', r.sources));
    out.push(...arrayProp('    ', 'provenance', r.provenance));
    out.push(...arrayProp('    ', 'v4', r.v4));
    out.push(...arrayProp('    ', 'v6', r.v6));
    out.push('  },');
  }
  out.push('};', '');
  return out.join('\n');
}

/** Read the v4/v6 lists of each provider back from a data file this script wrote. */
export function parseDataFile(text) {
  const result = {};
  for (const key of ['cloudflare', 'cloudfront']) {
    const block = new RegExp(`\\n  ${key}: \\{\\n([\\s\\S]*?)\\n  \\},`).exec(text);
    if (!block) return undefined;
    const lists = {};
    for (const list of ['v4', 'v6']) {
      const m = new RegExp(`\\n    ${list}: \\[([\\s\\S]*?)\\],`).exec(`\n${block[1]}`);
      if (!m) return undefined;
      lists[list] = [...m[1].matchAll(/'([^'\\]*)'/g)].map((x) => x[1]);
    }
    result[key] = lists;
  }
  return result;
}

// ---- main ------------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = { fromDir: undefined, out: DEFAULT_OUT, check: false, date: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new RefreshError(`${a} needs a value`, 2);
      return v;
    };
    if (a === '--from-dir') opts.fromDir = resolve(value());
    else if (a === '--out') opts.out = resolve(value());
    else if (a === '--check') opts.check = true;
    else if (a === '--date') opts.date = value();
    else if (a === '--help' || a === '-h') opts.help = true;
    else throw new RefreshError(`unknown argument ${JSON.stringify(a)}`, 2);
  }
  if (opts.date !== undefined) {
    const d = opts.date;
    const t = new Date(`${d}T00:00:00Z`);
    if (
      !/^\d{4}-\d{2}-\d{2}$/.test(d) ||
      Number.isNaN(t.getTime()) ||
      t.toISOString().slice(0, 10) !== d
    ) {
      throw new RefreshError(`--date must be a valid YYYY-MM-DD date, got ${JSON.stringify(d)}`, 2);
    }
  }
  return opts;
}

async function main(argv) {
  const opts = parseArgs(argv);
  if (opts.help) {
    process.stdout.write(
      'usage: node scripts/refresh-presets.mjs [--from-dir DIR] [--out FILE] [--check] [--date YYYY-MM-DD]\n',
    );
    return 0;
  }
  const date = opts.date ?? new Date().toISOString().slice(0, 10);
  const local = opts.fromDir !== undefined;
  const get = local
    ? (_url, name) => Promise.resolve(readLocal(opts.fromDir, name))
    : (url) => fetchText(url);
  const where = (url, name) => (local ? join(opts.fromDir, name) : url);

  const [aws, cfV4, cfV6] = await Promise.all([
    get(URLS.awsIpRanges, 'ip-ranges.json'),
    get(URLS.cloudflareV4, 'ips-v4'),
    get(URLS.cloudflareV6, 'ips-v6'),
  ]);
  const cloudfront = extractCloudFront(aws, where(URLS.awsIpRanges, 'ip-ranges.json'));
  const cloudflare = {
    v4: extractCloudflare(cfV4, 4, where(URLS.cloudflareV4, 'ips-v4')),
    v6: extractCloudflare(cfV6, 6, where(URLS.cloudflareV6, 'ips-v6')),
  };
  const how = local
    ? 'read from local copies by scripts/refresh-presets.mjs --from-dir'
    : 'fetched from the sources by scripts/refresh-presets.mjs';
  const data = {
    cloudflare: {
      updated: date,
      sources: [URLS.cloudflareV4, URLS.cloudflareV6],
      provenance: [how],
      ...cloudflare,
    },
    cloudfront: {
      updated: date,
      sources: [URLS.awsIpRanges],
      provenance: [`${how}; service ${CLOUDFRONT_SERVICE}`, ...cloudfront.meta],
      v4: cloudfront.v4,
      v6: cloudfront.v6,
    },
  };

  if (opts.check) {
    let current;
    try {
      current = parseDataFile(readFileSync(opts.out, 'utf8'));
    } catch {
      current = undefined;
    }
    if (!current) {
      process.stdout.write(`${opts.out}: missing or not written by this script: would change\n`);
      return 1;
    }
    let changed = false;
    for (const key of ['cloudflare', 'cloudfront']) {
      for (const list of ['v4', 'v6']) {
        const before = new Set(current[key][list]);
        const after = new Set(data[key][list]);
        const added = [...after].filter((x) => !before.has(x));
        const removed = [...before].filter((x) => !after.has(x));
        for (const x of added) process.stdout.write(`+ ${key} ${list} ${x}\n`);
        for (const x of removed) process.stdout.write(`- ${key} ${list} ${x}\n`);
        if (added.length || removed.length) changed = true;
      }
    }
    process.stdout.write(
      changed ? `${opts.out}: ranges would change\n` : `${opts.out}: up to date\n`,
    );
    return changed ? 1 : 0;
  }

  writeFileSync(opts.out, render(data));
  const n = (r) => `${r.v4.length} IPv4 + ${r.v6.length} IPv6`;
  process.stdout.write(
    `wrote ${opts.out}: cloudflare ${n(data.cloudflare)}, cloudfront ${n(data.cloudfront)} (${date})\n`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      const code = e instanceof RefreshError ? e.code : 3;
      process.stderr.write(`refresh-presets: ${e instanceof RefreshError ? e.message : e.stack}\n`);
      process.exit(code);
    },
  );
}
