/**
 * Express (and proxytrust) as a kind of file: a JavaScript or TypeScript source that sets
 * `trust proxy` or passes a proxytrust policy literal (only those: a directory walk does
 * not take every script). Its hop is the app: what it believes, and whom it trusts.
 *
 * Express `trust proxy` (through proxy-addr): `true` trusts every peer, so `req.ip` is the
 * leftmost X-Forwarded-For entry, and `req.protocol` / `req.hostname` come from
 * X-Forwarded-Proto and X-Forwarded-Host; a number trusts that many hops; a string or array
 * trusts those addresses, CIDRs and names (`loopback`, `linklocal`, `uniquelocal`); `false`
 * believes nothing. A proxytrust policy believes exactly its `headers` list (the default
 * X-Forwarded-For and X-Forwarded-Proto when absent) from its `trustedProxies`.
 */
import {
  DEFAULT_HEADERS,
  FAMILY_HEADERS,
  FORWARDED_HEADER_NAMES,
  type HeaderFamily,
} from '../../core/header-names.js';
import type { KindHandler } from '../kinds.js';
import type { Belief, HopModel, Loc, Purpose, Trust } from '../model.js';
import {
  type ExpressInput,
  hasExpressPattern,
  type JsLoc,
  type JsValue,
  type PolicyLiteral,
  parseExpress,
  type TrustProxySetting,
} from './parser.js';

const SOURCE = /\.(m|c)?(j|t)sx?$/i;

const loc = (l: JsLoc): Loc => ({ file: l.file, line: l.line, col: l.col });

/** What each forwarded header is believed for, and the value that means https. */
const PURPOSES: Readonly<Record<string, readonly [Purpose, string?][]>> = {
  forwarded: [['client'], ['scheme', 'https'], ['host']],
  'x-forwarded-for': [['client']],
  'x-forwarded-proto': [['scheme', 'https']],
  'x-forwarded-host': [['host']],
  'x-forwarded-port': [['port']],
  'x-forwarded-prefix': [['prefix']],
  'x-real-ip': [['client']],
  'cf-connecting-ip': [['client']],
  'cf-visitor': [['scheme']],
  'cloudfront-forwarded-proto': [['scheme', 'https']],
  'cloudfront-viewer-address': [['client']],
  'true-client-ip': [['client']],
  'fly-client-ip': [['client']],
  'x-forwarded-ssl': [['scheme', 'on']],
  'front-end-https': [['scheme', 'on']],
  'x-forwarded-protocol': [['scheme', 'https']],
  'x-url-scheme': [['scheme', 'https']],
};

const beliefsOf = (names: readonly string[], at: Loc, leftmost = false): Belief[] =>
  names.flatMap((name) =>
    (PURPOSES[name] ?? []).map(([purpose, value]) => ({
      name,
      purpose,
      ...(value ? { value } : {}),
      ...(leftmost && name === 'x-forwarded-for' ? { leftmost: true } : {}),
      at,
    })),
  );

/** The three headers Express reads once it trusts a peer. */
const EXPRESS_HEADERS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'];

function trustHop(s: TrustProxySetting): HopModel {
  const at = loc(s.at);
  const v = s.value;
  const base = {
    file: s.at.file,
    kind: 'express' as const,
    role: 'app' as const,
    label: `express ${s.receiver} trust proxy`,
    listens: [],
    targets: [],
    writes: [],
  };
  if (v.type === 'boolean' && !v.value) return { ...base, believes: [] };
  let trust: Trust;
  if (v.type === 'boolean') trust = { all: true, at };
  else if (v.type === 'number') trust = { hops: v.value, at };
  else if (v.type === 'string' || v.type === 'array') {
    const list = (v.type === 'string' ? v.value.split(',') : v.value)
      .map((x) => x.trim())
      .filter((x) => x !== '');
    trust = { cidrs: list, at };
  } else trust = { unknown: true, at };
  if (v.type === 'number' && v.value === 0) return { ...base, believes: [], trust };
  return {
    ...base,
    believes: beliefsOf(EXPRESS_HEADERS, at, v.type === 'boolean'),
    trust,
    ...(v.type === 'unknown' ? { unknowns: [`${s.at.line}: trust proxy = ${v.text}`] } : {}),
  };
}

/** A policy's `headers` list expanded (families to their headers), or undefined if unknown. */
function headerList(v: JsValue | undefined): string[] | undefined {
  if (!v) return [...DEFAULT_HEADERS];
  if (v.type !== 'array') return undefined;
  const out = new Set<string>();
  for (const raw of v.value) {
    const h = raw.toLowerCase();
    if (h in FAMILY_HEADERS) for (const x of FAMILY_HEADERS[h as HeaderFamily]) out.add(x);
    else if ((FORWARDED_HEADER_NAMES as readonly string[]).includes(h)) out.add(h);
  }
  return [...out];
}

function policyHop(p: PolicyLiteral): HopModel {
  const at = loc(p.at);
  const unknowns: string[] = [];
  let trust: Trust;
  const tp = p.trustedProxies;
  const hops = p.unsafeTrustHopCount;
  if (hops?.type === 'number') trust = { hops: hops.value, at };
  else if (tp?.type === 'array') trust = { cidrs: tp.value, at };
  else if (tp?.type === 'string') trust = { cidrs: [tp.value], at };
  else if (!tp && !hops && !p.spread) trust = { cidrs: [], at };
  else {
    trust = { unknown: true, at };
    unknowns.push(`${p.at.line}: trustedProxies is not a literal`);
  }
  const presets =
    tp?.type === 'array' &&
    tp.value.some(
      (x) => /^[a-z][a-z-]*$/i.test(x) && !/^(loopback|private|linklocal|uniquelocal)$/.test(x),
    );
  let names = p.headers || !presets ? headerList(p.headers) : undefined;
  if (!names) {
    unknowns.push(
      `${p.at.line}: the believed headers are not a literal list (or come from presets)`,
    );
    names = [];
  }
  const trustsNobody = trust.cidrs?.length === 0 && !p.spread;
  return {
    file: p.at.file,
    kind: 'express',
    role: 'app',
    label: `proxytrust ${p.call}`,
    listens: [],
    targets: [],
    writes: [],
    believes: trustsNobody ? [] : beliefsOf(names, at),
    trust,
    ...(unknowns.length > 0 ? { unknowns } : {}),
  };
}

/** The hops of a source: one per `trust proxy` receiver (its last setting) and per policy. */
export function expressModel(input: ExpressInput): HopModel[] {
  const last = new Map<string, TrustProxySetting>();
  for (const s of input.settings) last.set(s.receiver, s);
  const listens = input.listens.map((l) => ({
    ...(l.host !== undefined ? { host: l.host } : {}),
    ...(l.port !== undefined ? { port: l.port } : {}),
    at: loc(l.at),
  }));
  return [...[...last.values()].map(trustHop), ...input.policies.map(policyHop)].map((h) => ({
    ...h,
    listens,
  }));
}

/** The Express handler. */
export const expressHandler: KindHandler<ExpressInput> = {
  kind: 'express',
  detect(name, text) {
    return SOURCE.test(name) && hasExpressPattern(text) ? 3 : 0;
  },
  parse(file, text) {
    return {
      input: parseExpress(file, text),
      problems: [],
      notes: [],
      files: [file],
      texts: new Map([[file, text]]),
    };
  },
  model: expressModel,
};
