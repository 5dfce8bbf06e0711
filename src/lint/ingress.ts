/**
 * ingress-nginx inputs: the controller's ConfigMap (also as the Helm chart's
 * `controller.config`), the chart's `controller.proxySetHeaders` (the `proxy-set-headers`
 * ConfigMap's lines), and Ingress annotations. Snippets (`configuration-snippet`,
 * `server-snippet`, the ConfigMap's `location-snippet`/`server-snippet`/`http-snippet`)
 * are parsed as nginx in their context, with lines true to the YAML file.
 *
 * CLI-side only (it uses the `yaml` package); the library never imports it.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Scalar, YAMLMap } from 'yaml';

/**
 * The YAML parser, loaded on the first YAML input: an nginx-only run (the common case, and
 * `nginx -T | proxytrust lint`) does not pay for loading it.
 */
let yamlLib: typeof Yaml | undefined;
/** The `yaml` package, loaded on first use (CLI-side only). */
export function yaml(): typeof Yaml {
  yamlLib ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return yamlLib;
}

import type { KindHandler } from './kinds.js';
import { yamlish } from './nginx/handler.js';
import { parseFileText } from './nginx/parser.js';
import { combine, rootScope, type Scope, type Tree } from './nginx/tree.js';
import { detemplate, UNKNOWN } from './template.js';

/** A YAML value with where it is. */
export interface Located {
  readonly value: string;
  readonly line: number;
  readonly col: number;
  /** The key's line and column. */
  readonly keyLine: number;
  readonly keyCol: number;
}

/** A snippet parsed as nginx. */
export interface Snippet {
  /** The annotation or ConfigMap key it came from. */
  readonly key: string;
  readonly context: 'http' | 'server' | 'location';
  readonly tree: Tree;
  readonly root: Scope;
}

/** What ingress-nginx rules read from one file. */
export interface IngressInput {
  readonly file: string;
  /** ConfigMap data (and Helm `controller.config`), one map per document. */
  readonly configMaps: readonly ReadonlyMap<string, Located>[];
  /** Lines of the `proxy-set-headers` ConfigMap (Helm `controller.proxySetHeaders`). */
  readonly proxySetHeaders: readonly ReadonlyMap<string, Located>[];
  /** Ingress annotations, one map per Ingress (keys with their prefix). */
  readonly ingresses: readonly ReadonlyMap<string, Located>[];
  readonly snippets: readonly Snippet[];
  /** YAML errors, as `line: message`. */
  readonly errors: readonly { line: number; col: number; message: string }[];
}

/** The annotation prefix of ingress-nginx. */
export const ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io/';

const SNIPPET_CONTEXT: Record<string, 'http' | 'server' | 'location'> = {
  'configuration-snippet': 'location',
  'server-snippet': 'server',
  'location-snippet': 'location',
  'http-snippet': 'http',
};

/** Neutralise Helm/Jinja markers in YAML: whole-line control statements, and expressions. */
function yamlDetemplate(text: string): string {
  return detemplate(text).text;
}

/** True when a YAML text looks like an ingress-nginx input. */
export function looksLikeIngress(text: string): boolean {
  return (
    /^\s*kind:\s*["']?Ingress\b/m.test(text) ||
    /nginx\.ingress\.kubernetes\.io\//.test(text) ||
    /^\s*(use-forwarded-headers|proxy-real-ip-cidr|compute-full-forwarded-for|forwarded-for-header|enable-real-ip|proxySetHeaders|location-snippet|server-snippet)\s*:/m.test(
      text,
    ) ||
    (/^controller:\s*$/m.test(text) && /^\s+config:\s*$/m.test(text)) ||
    // the controller's own ConfigMap, whatever keys it holds
    (/^kind:\s*["']?ConfigMap\b/m.test(text) &&
      /^\s+(app\.kubernetes\.io\/(name|part-of):\s*["']?ingress-nginx\b|name:\s*["']?(ingress-nginx-controller|nginx-configuration)\b)/m.test(
        text,
      ))
  );
}

/** Parse an ingress-nginx YAML file. Never throws. */
export function parseIngress(file: string, original: string): IngressInput {
  const { isMap, isScalar, LineCounter, parseAllDocuments } = yaml();
  const text = yamlDetemplate(original);
  const lc = new LineCounter();
  const errors: { line: number; col: number; message: string }[] = [];
  const configMaps: Map<string, Located>[] = [];
  const proxySetHeaders: Map<string, Located>[] = [];
  const ingresses: Map<string, Located>[] = [];
  const snippets: Snippet[] = [];
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    const parsed = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false });
    docs = Array.isArray(parsed) ? parsed : [];
    if (!Array.isArray(parsed)) errors.push({ line: 1, col: 1, message: 'not a YAML stream' });
  } catch (e) {
    return {
      file,
      configMaps,
      proxySetHeaders,
      ingresses,
      snippets,
      errors: [{ line: 1, col: 1, message: (e as Error).message }],
    };
  }
  const pos = (offset: number) => lc.linePos(offset);
  const entries = (m: unknown): Map<string, Located> => {
    const out = new Map<string, Located>();
    if (!isMap(m)) return out;
    for (const pair of (m as YAMLMap).items) {
      if (!isScalar(pair.key)) continue;
      const k = String((pair.key as Scalar).value);
      const kp = pos((pair.key as Scalar).range?.[0] ?? 0);
      const v = pair.value;
      let value = '';
      let vp = kp;
      if (isScalar(v)) {
        value = v.value === null ? '' : String(v.value);
        const start = v.range?.[0] ?? 0;
        vp = pos(start);
        if (v.type === 'BLOCK_LITERAL' || v.type === 'BLOCK_FOLDED') {
          // the content starts on the line after the indicator
          const nl = text.indexOf('\n', start);
          const first = pos(nl + 1);
          const indent = /^[ \t]*/.exec(text.slice(nl + 1))![0].length;
          vp = { line: first.line, col: indent + 1 };
        }
      } else if (v !== null && v !== undefined) continue;
      out.set(k, { value, line: vp.line, col: vp.col, keyLine: kp.line, keyCol: kp.col });
    }
    return out;
  };
  const snippet = (key: string, context: 'http' | 'server' | 'location', at: Located) => {
    // keep the YAML file's lines: pad with the lines above, indent each line to its column
    const pad = '\n'.repeat(at.line - 1);
    const body = at.value
      .split('\n')
      .map((l) => ' '.repeat(at.col - 1) + l)
      .join('\n');
    const cf = parseFileText(file, pad + body, { templates: false });
    const tree = combine({ status: cf.status, errors: cf.errors, config: [cf] }, context);
    snippets.push({ key, context, tree, root: rootScope(tree) });
    for (const e of cf.errors)
      errors.push({ line: e.line ?? at.line, col: e.col ?? 1, message: `${key}: ${e.error}` });
  };
  for (const doc of docs) {
    for (const e of doc.errors) {
      const p = pos(e.pos[0]);
      errors.push({ line: p.line, col: p.col, message: e.message.split('\n')[0]! });
    }
    const root = doc.contents;
    if (!isMap(root)) continue;
    const top = entries(root);
    const kind = top.get('kind')?.value;
    if (kind === 'ConfigMap') {
      const data = entries(root.get('data'));
      configMaps.push(data);
      for (const [k, v] of data) if (SNIPPET_CONTEXT[k]) snippet(k, SNIPPET_CONTEXT[k]!, v);
    } else if (kind === 'Ingress') {
      const meta = root.get('metadata');
      const ann = isMap(meta) ? entries(meta.get('annotations')) : new Map<string, Located>();
      ingresses.push(ann);
      for (const [k, v] of ann) {
        if (!k.startsWith(ANNOTATION_PREFIX)) continue;
        const short = k.slice(ANNOTATION_PREFIX.length);
        if (short === 'configuration-snippet' || short === 'server-snippet')
          snippet(k, SNIPPET_CONTEXT[short]!, v);
      }
    } else {
      const controller = root.get('controller');
      if (isMap(controller)) {
        const data = entries(controller.get('config'));
        if (data.size > 0) {
          configMaps.push(data);
          for (const [k, v] of data) if (SNIPPET_CONTEXT[k]) snippet(k, SNIPPET_CONTEXT[k]!, v);
        }
        const psh = entries(controller.get('proxySetHeaders'));
        if (psh.size > 0) proxySetHeaders.push(psh);
      } else if (!top.has('apiVersion') && looksLikeIngress(text)) {
        // a bare ConfigMap data map
        configMaps.push(top);
      }
    }
  }
  return { file, configMaps, proxySetHeaders, ingresses, snippets, errors };
}

/** True when a value came from a template (unknown). */
export const unknownValue = (v: Located | undefined): boolean =>
  v?.value.includes(UNKNOWN) === true;

/**
 * The `proxy_set_header` lines the controller writes in every location (nginx.tmpl), by
 * lower-case header name: a snippet or `proxy-set-headers` line for one of them is sent
 * twice.
 */
export const CONTROLLER_HEADERS: ReadonlyMap<string, string> = new Map([
  ['x-request-id', 'X-Request-ID $req_id'],
  ['x-real-ip', 'X-Real-IP $remote_addr'],
  ['x-forwarded-for', 'X-Forwarded-For $remote_addr (or $full_x_forwarded_for)'],
  ['x-forwarded-host', 'X-Forwarded-Host $best_http_host'],
  ['x-forwarded-port', 'X-Forwarded-Port $pass_port'],
  ['x-forwarded-proto', 'X-Forwarded-Proto $pass_access_scheme'],
  ['x-forwarded-scheme', 'X-Forwarded-Scheme $pass_access_scheme'],
  ['x-scheme', 'X-Scheme $pass_access_scheme'],
  ['x-original-forwarded-for', 'X-Original-Forwarded-For $http_x_forwarded_for'],
]);

/** The ingress-nginx handler: YAML by name (or a templated `key: value` file) that reads as ingress-nginx. */
export const ingressHandler: KindHandler<IngressInput> = {
  kind: 'ingress-nginx',
  detect(name, text) {
    if (!looksLikeIngress(text)) return 0;
    return yamlish(name, text) ? 3 : 1;
  },
  parse(file, text) {
    const input = parseIngress(file, text);
    return {
      input,
      problems: input.errors.map((e) => ({ file, line: e.line, col: e.col, message: e.message })),
      notes: [],
      files: [file],
      texts: new Map([[file, text]]),
    };
  },
};
