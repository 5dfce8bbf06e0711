import type { HFile, HLine, Section } from './parser.js';

/** What a rule's condition says, as far as lint can tell. */
export interface Cond {
  /** true: applies on TLS only; false: on plain http only; undefined: both. */
  readonly tls?: boolean;
  /** Applies only when the client sent no such header (lower case). */
  readonly absent?: string;
  /** Applies only when the client sent one. */
  readonly present?: string;
  /** Some other condition (a path, a source address, ...). */
  readonly other?: boolean;
  /** The condition as written (`if { ssl_fc }`), empty when none. */
  readonly text: string;
}

/** A request or response header rule. */
export interface HeaderRule {
  readonly line: HLine;
  /** `set`: replaces; `add`: adds another (keeps the client's); `del`; `replace`: edits the client's. */
  readonly action: 'set' | 'add' | 'del' | 'replace';
  /** Lower case. */
  readonly name: string;
  /** As written. */
  readonly shown: string;
  readonly value?: string;
  readonly cond: Cond;
  /** A 1.x `reqadd`/`reqrep`/`reqdel` line (or `rspadd`). */
  readonly legacy: boolean;
  readonly dir: 'request' | 'response';
}

/** `option forwardfor` as in effect for a proxy. */
export interface ForwardFor {
  readonly line: HLine;
  readonly ifNone: boolean;
  /** Lower case; `x-forwarded-for` unless `header <name>`. */
  readonly header: string;
  readonly except?: string;
}

/** `option forwarded` (HAProxy 2.7+, backends only) and its parameters. */
export interface ForwardedOption {
  readonly line: HLine;
  /** `proto`, `host`, `for`, `by`, ... (`for` and `proto` when none are given). */
  readonly params: readonly string[];
}

/** A `bind` line. */
export interface Bind {
  readonly line: HLine;
  /** The addresses (`:443`, `127.0.0.1:80`, `unix@/run/x.sock`, `ipv6@:::80`). */
  readonly addrs: readonly string[];
  readonly ssl: boolean;
  readonly crt?: string;
  /** `accept-proxy`: the peer speaks the PROXY protocol (a load balancer is in front). */
  readonly acceptProxy: boolean;
}

/** A `server` (or `server-template`) line. */
export interface Server {
  readonly line: HLine;
  readonly name: string;
  readonly addr: string;
}

/** One proxy section with what it inherits. */
export interface HProxy {
  readonly section: Section;
  readonly type: 'frontend' | 'backend' | 'listen';
  readonly name: string;
  readonly defaults?: Section;
  /** `http`, `tcp`, or undefined (HAProxy's default is tcp). */
  readonly mode?: string;
  readonly binds: readonly Bind[];
  readonly servers: readonly Server[];
  /** Request and response header rules in the order HAProxy runs them. */
  readonly rules: readonly HeaderRule[];
  readonly forwardfor?: ForwardFor;
  readonly forwarded?: ForwardedOption;
  readonly defaultBackend?: string;
  /** `use_backend` targets (one entry per line; templated names as written). */
  readonly useBackends: readonly string[];
  /** `source` address (the backend connects from it). */
  readonly source?: string;
  /** Plain http requests are redirected to https (never forwarded). */
  readonly redirectsPlain?: HLine;
  /**
   * What says a load balancer stands in front: `accept-proxy` on a bind,
   * `tcp-request connection expect-proxy`, or `http-request set-src`.
   */
  readonly behind?: HLine;
  /** `http-request set-src` (the proxy believes a header for the client address). */
  readonly setSrc?: HLine;
}

/** The parsed file and its proxies: what the HAProxy rules read. */
export interface HaproxyInput {
  readonly file: HFile;
  readonly proxies: readonly HProxy[];
}

/** Words after `if`/`unless` classified. */
function classify(words: readonly string[], acls: ReadonlyMap<string, HLine[]>): Cond {
  const at = words.findIndex((w) => w === 'if' || w === 'unless');
  if (at < 0) return { text: '' };
  const text = words.slice(at).join(' ');
  const negate = words[at] === 'unless';
  // OR groups of AND terms
  const groups: { neg: boolean; acl: readonly string[] | string }[][] = [[]];
  let neg = false;
  for (let i = at + 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '||' || w === 'or') {
      groups.push([]);
      continue;
    }
    if (w === '!') {
      neg = !neg;
      continue;
    }
    let word = w;
    if (word.startsWith('!')) {
      neg = !neg;
      word = word.slice(1);
    }
    if (word === '{') {
      const end = words.indexOf('}', i + 1);
      const inner = words.slice(i + 1, end < 0 ? words.length : end);
      groups[groups.length - 1]!.push({ neg, acl: inner });
      i = end < 0 ? words.length : end;
    } else groups[groups.length - 1]!.push({ neg, acl: word });
    neg = false;
  }
  if (groups.length > 1 || groups[0]!.length === 0) return { text, other: true };
  let cond: { tls?: boolean; absent?: string; present?: string; other?: boolean } = {};
  const terms = groups[0]!;
  if (negate && terms.length > 1) return { text, other: true };
  for (const t of terms) {
    let c = aclClass(t.acl, acls);
    if (t.neg !== negate) c = flip(c);
    cond = { ...cond, ...c, ...(c.other || cond.other ? { other: true } : {}) };
  }
  return { ...cond, text };
}

type Cls = { tls?: boolean; absent?: string; present?: string; other?: boolean };

const flip = (c: Cls): Cls => ({
  ...(c.tls !== undefined ? { tls: !c.tls } : {}),
  ...(c.present ? { absent: c.present } : {}),
  ...(c.absent ? { present: c.absent } : {}),
  ...(c.other ? { other: true } : {}),
});

const HDR_FETCH = /^(?:req\.)?f?hdr(?:_cnt)?\(([^,)]+)/i;

/** The class of one ACL (inline words, or a name defined by `acl` lines). */
function aclClass(acl: readonly string[] | string, acls: ReadonlyMap<string, HLine[]>): Cls {
  if (typeof acl === 'string') {
    if (acl === 'TRUE') return {};
    const defs = acls.get(acl);
    if (!defs || defs.length === 0) return { other: true };
    const classes = defs.map((d) => aclClass(d.words.slice(2), acls));
    const first = JSON.stringify(classes[0]);
    return classes.every((c) => JSON.stringify(c) === first) ? classes[0]! : { other: true };
  }
  const [fetch = '', ...rest] = acl;
  const args = rest.filter((w) => w !== '-m' && w !== 'bool');
  if (/^ssl_fc(\(\))?$/.test(fetch) && args.length === 0) return { tls: true };
  const h = HDR_FETCH.exec(fetch);
  if (h) {
    const name = h[1]!.trim().toLowerCase();
    const cnt = /_cnt\(/i.test(fetch);
    const r = rest.join(' ');
    if ((!cnt && /^-m found$/.test(r)) || (cnt && /^(gt 0|ge 1|-m int gt 0)$/.test(r)))
      return { present: name };
    if (cnt && /^(eq 0|lt 1|-m int eq 0)$/.test(r)) return { absent: name };
  }
  return { other: true };
}

/** `X-Forwarded-Proto:\ https` (reqadd's single word, escapes already read). */
function headerLine(s: string): { name: string; value: string } | undefined {
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/.exec(s);
  return m ? { name: m[1]!, value: m[2]! } : undefined;
}

/** `^X-Forwarded-Proto:.*` (a reqrep/reqdel pattern): the header it names, if plain. */
function headerOfRegex(s: string): string | undefined {
  const m = /^\^?\(?([A-Za-z0-9-]+)(?:\\s\*)?:/.exec(s);
  return m ? m[1] : undefined;
}

/** One header rule from a line, or undefined. */
function headerRule(l: HLine, acls: ReadonlyMap<string, HLine[]>): HeaderRule | undefined {
  const w = l.words;
  const k = w[0]!;
  if (k === 'http-request' || k === 'http-response') {
    const verb = w[1] ?? '';
    const action = (
      {
        'set-header': 'set',
        'add-header': 'add',
        'del-header': 'del',
        'replace-header': 'replace',
        'replace-value': 'replace',
      } as const
    )[verb];
    if (!action || !w[2]) return undefined;
    return {
      line: l,
      action,
      name: w[2].toLowerCase(),
      shown: w[2],
      ...(action === 'set' || action === 'add' ? { value: w[3] ?? '' } : {}),
      cond: classify(w, acls),
      legacy: false,
      dir: k === 'http-request' ? 'request' : 'response',
    };
  }
  const legacy = /^(req|rsp)(i?)(add|rep|del)$/.exec(k);
  if (!legacy || !w[1]) return undefined;
  const dir = legacy[1] === 'req' ? 'request' : 'response';
  if (legacy[3] === 'add') {
    const h = headerLine(w[1]);
    if (!h) return undefined;
    return {
      line: l,
      action: 'add',
      name: h.name.toLowerCase(),
      shown: h.name,
      value: h.value,
      cond: classify(w, acls),
      legacy: true,
      dir,
    };
  }
  const name = headerOfRegex(w[1]);
  if (!name) return undefined;
  const replaced = legacy[3] === 'rep' ? headerLine(w[2] ?? '') : undefined;
  return {
    line: l,
    action:
      legacy[3] === 'del'
        ? 'del'
        : replaced?.name.toLowerCase() === name.toLowerCase()
          ? 'set'
          : 'replace',
    name: name.toLowerCase(),
    shown: name,
    ...(replaced ? { value: replaced.value } : {}),
    cond: classify(w, acls),
    legacy: true,
    dir,
  };
}

function bindOf(l: HLine): Bind {
  const w = l.words;
  const addrs = (w[1] ?? '').split(',').filter((a) => a !== '');
  const crtAt = w.indexOf('crt', 2);
  return {
    line: l,
    addrs,
    ssl: w.includes('ssl', 2) || w.includes('quic', 2) || addrs.some((a) => a.startsWith('quic')),
    ...(crtAt > 0 && w[crtAt + 1] ? { crt: w[crtAt + 1] } : {}),
    acceptProxy: w.includes('accept-proxy', 2),
  };
}

function forwardforOf(l: HLine): ForwardFor {
  const w = l.words;
  const exceptAt = w.indexOf('except', 2);
  const headerAt = w.indexOf('header', 2);
  return {
    line: l,
    ifNone: w.includes('if-none', 2),
    header: (headerAt > 0
      ? (w[headerAt + 1] ?? 'x-forwarded-for')
      : 'x-forwarded-for'
    ).toLowerCase(),
    ...(exceptAt > 0 && w[exceptAt + 1] ? { except: w[exceptAt + 1] } : {}),
  };
}

function forwardedOf(l: HLine): ForwardedOption {
  const params = l.words
    .slice(2)
    .filter((x) =>
      /^(proto|host|host-expr|by|by-expr|by_port|by_port-expr|for|for-expr|for_port|for_port-expr)$/.test(
        x,
      ),
    )
    .map((x) => x.replace(/-expr$/, ''));
  return { line: l, params: params.length > 0 ? params : ['for', 'proto'] };
}

/** A redirect of plain http to https: `http-request redirect scheme https unless { ssl_fc }`. */
function redirectsPlain(l: HLine, acls: ReadonlyMap<string, HLine[]>): boolean {
  const w = l.words;
  const redirect =
    (w[0] === 'http-request' && w[1] === 'redirect' && w[2] === 'scheme' && w[3] === 'https') ||
    (w[0] === 'redirect' && w[1] === 'scheme' && w[2] === 'https');
  if (!redirect) return false;
  const c = classify(w, acls);
  return c.text === '' || (c.tls === false && !c.other);
}

/** Resolve each proxy section against its defaults. */
export function proxiesOf(file: HFile): HProxy[] {
  const out: HProxy[] = [];
  let lastDefaults: Section | undefined;
  const named = new Map<string, Section>();
  for (const s of file.sections) {
    if (s.type === 'defaults') {
      if (s.name) named.set(s.name, s);
      lastDefaults = s;
      continue;
    }
    if (s.type !== 'frontend' && s.type !== 'backend' && s.type !== 'listen') continue;
    const defaults = s.from !== undefined ? named.get(s.from) : lastDefaults;
    // a defaults section's own `from` chain, outermost first
    const chain: Section[] = [];
    for (let d = defaults; d && !chain.includes(d); d = d.from ? named.get(d.from) : undefined)
      chain.unshift(d);
    const inherited = chain.flatMap((d) => d.lines);
    const lines = [...inherited, ...s.lines];
    const acls = new Map<string, HLine[]>();
    for (const l of lines)
      if (l.words[0] === 'acl' && l.words[1]) {
        const list = acls.get(l.words[1]) ?? [];
        list.push(l);
        acls.set(l.words[1], list);
      }
    let mode: string | undefined;
    let forwardfor: ForwardFor | undefined;
    let forwarded: ForwardedOption | undefined;
    let defaultBackend: string | undefined;
    let source: string | undefined;
    let redirect: HLine | undefined;
    let behind: HLine | undefined;
    let setSrc: HLine | undefined;
    const binds: Bind[] = [];
    // the 1.x form `listen name <address>` (and `frontend name <address>`) binds on the section line
    const legacyAddr = s.header.words[2];
    if (legacyAddr && legacyAddr !== 'from' && s.type !== 'backend')
      binds.push(bindOf({ ...s.header, words: ['bind', ...s.header.words.slice(2)] }));
    const servers: Server[] = [];
    const rules: HeaderRule[] = [];
    const useBackends: string[] = [];
    lines.forEach((l, i) => {
      const w = l.words;
      // the section's own lines come after what it inherits
      const own = i >= inherited.length;
      switch (w[0]) {
        case 'mode':
          mode = w[1];
          break;
        case 'option':
          if (w[1] === 'forwardfor') forwardfor = forwardforOf(l);
          else if (w[1] === 'forwarded') forwarded = forwardedOf(l);
          break;
        case 'no':
          if (w[1] === 'option' && w[2] === 'forwardfor') forwardfor = undefined;
          if (w[1] === 'option' && w[2] === 'forwarded') forwarded = undefined;
          break;
        case 'default_backend':
          defaultBackend = w[1];
          break;
        case 'use_backend':
          if (own && w[1]) useBackends.push(w[1]);
          break;
        case 'source':
          if (w[1]) source = w[1].replace(/:\d*$/, '');
          break;
        case 'bind':
          if (own) {
            const b = bindOf(l);
            binds.push(b);
            if (b.acceptProxy) behind ??= l;
          }
          break;
        case 'server':
          if (own && w[1] && w[2]) servers.push({ line: l, name: w[1], addr: w[2] });
          break;
        case 'server-template':
          if (own && w[1] && w[3]) servers.push({ line: l, name: w[1], addr: w[3] });
          break;
        case 'tcp-request':
          if (w[1] === 'connection' && w[2] === 'expect-proxy') behind ??= l;
          break;
        default: {
          if (w[0] === 'http-request' && w[1] === 'set-src') {
            setSrc ??= l;
            behind ??= l;
          }
          if (redirectsPlain(l, acls)) redirect ??= l;
          const r = headerRule(l, acls);
          if (r) rules.push(r);
        }
      }
    });
    out.push({
      section: s,
      type: s.type,
      name: s.name ?? '',
      ...(defaults ? { defaults } : {}),
      ...(mode !== undefined ? { mode } : {}),
      binds,
      servers,
      rules,
      ...(forwardfor ? { forwardfor } : {}),
      ...(forwarded && s.type !== 'frontend' ? { forwarded } : {}),
      ...(defaultBackend !== undefined ? { defaultBackend } : {}),
      useBackends,
      ...(source !== undefined ? { source } : {}),
      ...(redirect ? { redirectsPlain: redirect } : {}),
      ...(behind ? { behind } : {}),
      ...(setSrc ? { setSrc } : {}),
    });
  }
  return out;
}
