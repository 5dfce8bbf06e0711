/**
 * The Caddyfile parser: lines of tokens into directives with blocks, the global options
 * block, snippets `(name) { ... }` and `import` (of snippets, with `{args[0]}`/`{args.0}`
 * substituted, and of files with globs, relative to the importing file or `--conf-root`;
 * cycles are errors), site blocks and their addresses (`a.example, b.example {`, or one
 * site without braces when the first address line opens no block). Caddy 1 files (`proxy`,
 * `gzip`, `errors`, ...) are read without error and marked, so the Caddy 2 rules and model
 * leave them alone. Never throws.
 */
import { dirname } from 'node:path';
import { readIncluded } from '../include.js';
import type { ParseProblem } from '../kinds.js';
import type { Loc } from '../model.js';
import { type ConfFs, diskFs } from '../nginx/parser.js';
import { detemplate, hasTemplateMarkers } from '../template.js';
import { type CaddyToken, lexCaddy, unknownValue } from './lexer.js';

/** One directive (or subdirective), with its block. */
export interface CaddyNode {
  readonly name: string;
  readonly args: readonly string[];
  /** The tokens of the line (name first). */
  readonly toks: readonly CaddyToken[];
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly block?: readonly CaddyNode[];
}

/** A site address (`https://a.example:8443`, `:80`, `localhost`). */
export interface CaddyAddress {
  readonly raw: string;
  readonly scheme?: 'http' | 'https';
  readonly host?: string;
  readonly port?: number;
  /** An environment placeholder or template: unknown. */
  readonly unknown?: boolean;
  readonly at: Loc;
}

/** One site block. */
export interface CaddySite {
  readonly addresses: readonly CaddyAddress[];
  readonly directives: readonly CaddyNode[];
  readonly at: Loc;
  /** Written in Caddy 1 syntax (`proxy`, `gzip`, ...). */
  readonly v1: boolean;
}

/** A parsed Caddyfile (with its imports expanded). */
export interface CaddyInput {
  readonly file: string;
  /** The global options block, when there is one. */
  readonly global?: readonly CaddyNode[];
  readonly sites: readonly CaddySite[];
}

/** What parsing gave. */
export interface CaddyParsed {
  readonly input: CaddyInput;
  readonly problems: ParseProblem[];
  readonly notes: string[];
  /** Every file read, the main first. */
  readonly files: string[];
  readonly texts: Map<string, string>;
}

/** Directives only Caddy 1 has (Caddy 2 would refuse them). */
const V1_DIRECTIVES = new Set([
  'proxy',
  'gzip',
  'fastcgi',
  'errors',
  'ext',
  'limits',
  'timeouts',
  'internal',
  'markdown',
  'browse',
  'websocket',
]);

const isOpen = (t: CaddyToken) => !t.quoted && t.text === '{';
const isClose = (t: CaddyToken) => !t.quoted && t.text === '}';

function node(toks: CaddyToken[], block?: CaddyNode[]): CaddyNode {
  const first = toks[0];
  return {
    name: first?.text ?? '',
    args: toks.slice(1).map((t) => t.text),
    toks,
    file: first?.file ?? '',
    line: first?.line ?? 0,
    col: first?.col ?? 0,
    ...(block ? { block } : {}),
  };
}

/** Tokens into directives with blocks. */
function parseTokens(tokens: readonly CaddyToken[], problems: ParseProblem[]): CaddyNode[] {
  let pos = 0;
  const block = (depth: number, opener?: CaddyToken): CaddyNode[] => {
    const out: CaddyNode[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos]!;
      if (isClose(t)) {
        pos++;
        if (depth === 0) {
          problems.push({ file: t.file, line: t.line, col: t.col, message: 'unexpected "}"' });
          continue;
        }
        return out;
      }
      const line: CaddyToken[] = [];
      let seg = t.seg;
      while (pos < tokens.length) {
        const u = tokens[pos]!;
        if (isOpen(u) || isClose(u)) break;
        if (u.seg !== seg) {
          // addresses may continue on the next line after a trailing comma
          const prev = line[line.length - 1];
          if (!(depth === 0 && prev && !prev.quoted && prev.text.endsWith(','))) break;
          seg = u.seg;
        }
        line.push(u);
        pos++;
      }
      const next = tokens[pos];
      if (next && isOpen(next) && (line.length === 0 || next.seg === seg)) {
        pos++;
        const inner = block(depth + 1, next);
        out.push(
          line.length === 0 ? { ...node([next], inner), name: '', args: [] } : node(line, inner),
        );
      } else if (line.length > 0) out.push(node(line));
    }
    if (depth > 0 && opener)
      problems.push({
        file: opener.file,
        line: opener.line,
        col: opener.col,
        message: 'unexpected end of file: "{" is never closed',
      });
    return out;
  };
  return block(0);
}

/** `{args[0]}`, `{args.0}` and `{args[:]}` of an imported snippet or file. */
function substitute(text: string, args: readonly string[]): string {
  return text
    .replace(/\{args\[(\d+)\]\}|\{args\.(\d+)\}/g, (_, a, b) => args[Number(a ?? b)] ?? '')
    .replace(/\{args\[:\]\}/g, args.join(' '));
}

function withArgs(nodes: readonly CaddyNode[], args: readonly string[]): CaddyNode[] {
  if (args.length === 0) return [...nodes];
  return nodes.map((n) => {
    const toks = n.toks.map((t) => ({ ...t, text: substitute(t.text, args) }));
    return {
      ...node(toks, n.block ? withArgs(n.block, args) : undefined),
      file: n.file,
      line: n.line,
      col: n.col,
    };
  });
}

/** Options of {@link parseCaddy}. */
export interface CaddyParseOptions {
  /** Where relative imports resolve (default: the importing file's directory). */
  readonly confRoot?: string;
  /** Read no other file. */
  readonly noIncludes?: boolean;
  readonly fs?: ConfFs;
}

/** Lex and parse one file's text (templates neutralised). */
function parseText(file: string, text: string, problems: ParseProblem[]): CaddyNode[] {
  const src = hasTemplateMarkers(text) ? detemplate(text).text : text;
  const lexed = lexCaddy(file, src);
  problems.push(...lexed.problems);
  return parseTokens(lexed.tokens, problems);
}

const isSnippet = (n: CaddyNode) => /^\(.+\)$/.test(n.name) && n.block !== undefined;

/** Parse a Caddyfile and what it imports. Never throws. */
export function parseCaddy(file: string, text: string, opts: CaddyParseOptions = {}): CaddyParsed {
  const problems: ParseProblem[] = [];
  const notes: string[] = [];
  const files = [file];
  const texts = new Map<string, string>([[file, text]]);
  const run = { fs: opts.fs ?? diskFs, files, texts, notes, problems };
  const snippets = new Map<string, readonly CaddyNode[]>();
  const collect = (nodes: readonly CaddyNode[]): CaddyNode[] => {
    const rest: CaddyNode[] = [];
    for (const n of nodes) {
      if (isSnippet(n)) snippets.set(n.name.slice(1, -1), n.block ?? []);
      else rest.push(n);
    }
    return rest;
  };
  let top: CaddyNode[];
  try {
    top = collect(parseText(file, text, problems));
  } catch (e) {
    problems.push({ file, line: 1, col: 1, message: `cannot parse: ${(e as Error).message}` });
    top = [];
  }

  const expand = (nodes: readonly CaddyNode[], stack: readonly string[]): CaddyNode[] => {
    const out: CaddyNode[] = [];
    for (const n of nodes) {
      if (n.name !== 'import') {
        out.push(n.block ? { ...n, block: expand(n.block, stack) } : n);
        continue;
      }
      const target = n.args[0];
      if (target === undefined) {
        problems.push({ file: n.file, line: n.line, col: n.col, message: 'import names nothing' });
        continue;
      }
      const args = n.args.slice(1);
      const snippet = snippets.get(target);
      if (snippet) {
        const key = `snippet:${target}`;
        if (stack.includes(key)) {
          problems.push({
            file: n.file,
            line: n.line,
            col: n.col,
            message: `import cycle: ${[...stack, key].map((k) => k.replace(/^\w+:/, '')).join(' -> ')}`,
          });
          continue;
        }
        out.push(...expand(withArgs(snippet, args), [...stack, key]));
        continue;
      }
      if (unknownValue(target)) {
        notes.push(
          `${n.file}:${n.line}: import ${target}: an unknown file, its content is unknown`,
        );
        continue;
      }
      if (opts.noIncludes) {
        notes.push(`${n.file}:${n.line}: import ${target} was not read: its content is unknown`);
        continue;
      }
      const base = opts.confRoot ?? (n.file === '-' ? process.cwd() : dirname(n.file));
      // the trail: the main file, then the snippets and files being expanded
      const trail = [file, ...stack.map((k) => k.replace(/^\w+:/, ''))];
      for (const { path, body } of readIncluded(run, target, base, n, { word: 'import', trail })) {
        const imported = collect(parseText(path, body, problems));
        out.push(...expand(withArgs(imported, args), [...stack, `file:${path}`]));
      }
    }
    return out;
  };
  const nodes = expand(top, []);

  // the global options block, then sites
  let global: CaddyNode[] | undefined;
  let k = 0;
  if (nodes[0] && nodes[0].name === '' && nodes[0].block) {
    global = [...nodes[0].block];
    k = 1;
  }
  const sites: CaddySite[] = [];
  const rest = nodes.slice(k);
  if (rest.length > 0 && rest[0]!.block === undefined) {
    // one site without braces: the first line holds its addresses, the rest its directives
    sites.push(site(rest[0]!, rest.slice(1)));
  } else {
    for (const n of rest) {
      if (n.block === undefined) {
        problems.push({
          file: n.file,
          line: n.line,
          col: n.col,
          message: `"${n.name}" outside a site block`,
        });
        continue;
      }
      if (n.name === '') {
        problems.push({
          file: n.file,
          line: n.line,
          col: n.col,
          message: 'a block without addresses (the global options block must come first)',
        });
        continue;
      }
      sites.push(site(n, n.block));
    }
  }
  return { input: { file, ...(global ? { global } : {}), sites }, problems, notes, files, texts };
}

function site(head: CaddyNode, directives: readonly CaddyNode[]): CaddySite {
  const addresses: CaddyAddress[] = [];
  for (const t of head.toks) {
    for (const raw of t.text.split(',')) {
      const a = raw.trim();
      if (a !== '') addresses.push(parseAddress(a, { file: t.file, line: t.line, col: t.col }));
    }
  }
  return {
    addresses,
    directives,
    at: { file: head.file, line: head.line, col: head.col },
    v1: directives.some((d) => V1_DIRECTIVES.has(d.name)),
  };
}

/** A site address: `[scheme://]host[:port][/path]`. */
export function parseAddress(raw: string, at: Loc): CaddyAddress {
  if (unknownValue(raw)) {
    const m = /^(https?):\/\//.exec(raw);
    return { raw, ...(m ? { scheme: m[1] as 'http' | 'https' } : {}), unknown: true, at };
  }
  let rest = raw;
  let scheme: 'http' | 'https' | undefined;
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (m) {
    const s = m[1]!.toLowerCase();
    if (s === 'http' || s === 'https') scheme = s;
    rest = rest.slice(m[0].length);
  }
  rest = rest.replace(/\/.*$/, '');
  let host: string | undefined;
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1];
    if (v6[2]) port = Number(v6[2]);
  } else {
    const i = rest.lastIndexOf(':');
    if (i >= 0 && /^\d+$/.test(rest.slice(i + 1))) {
      port = Number(rest.slice(i + 1));
      rest = rest.slice(0, i);
    }
    if (rest !== '') host = rest;
  }
  return {
    raw,
    ...(scheme ? { scheme } : {}),
    ...(host !== undefined ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    at,
  };
}

/** `file:line: name args` as written (quoted when needed), for evidence. */
export function caddyLine(n: CaddyNode): string {
  const q = (a: string) =>
    a === '' || (/[\s"{}]/.test(a) && !/^\{[^\s{}]*\}$/.test(a))
      ? `"${a.replace(/"/g, '\\"')}"`
      : a;
  return `${n.file}:${n.line}: ${[n.name, ...n.args].map(q).join(' ')}`;
}
