/**
 * Django settings as a kind of file: a Python module of settings assignments, read
 * without importing it (./python.ts), with the Django version the repository pins.
 */
import type { Certainty, KindHandler } from '../kinds.js';
import type { Belief, HopModel, Loc } from '../model.js';
import { stripTemplateExt } from '../template.js';
import {
  type Assignment,
  type PyModule,
  type PyValue,
  readModule,
  str,
  strings,
  truthy,
} from './python.js';
import { type DjangoVersion, givenDjangoVersion, inferDjangoVersion } from './version.js';

/** What the Django rules read: one settings module. */
export interface DjangoInput {
  readonly file: string;
  readonly module: PyModule;
  /** The Django version (`--django-version`, or inferred from the repository), if known. */
  readonly version?: DjangoVersion;
}

/** The settings that make a Python file Django settings. */
const SETTINGS_LINE =
  /^[ \t]*(ALLOWED_HOSTS|INSTALLED_APPS|MIDDLEWARE|MIDDLEWARE_CLASSES|ROOT_URLCONF|SECURE_[A-Z_]+|CSRF_TRUSTED_ORIGINS|USE_X_FORWARDED_HOST|WSGI_APPLICATION)\s*(\+?=|:)/gm;
const SETTINGS_NAME = /(^|\/)(settings[\w.-]*|production|prod|staging|base|local|common)\.py$/i;

function detect(name: string, text: string): Certainty {
  const bare = stripTemplateExt(name);
  if (!/\.py$/i.test(bare)) return 0;
  const found = new Set<string>();
  for (const m of text.matchAll(SETTINGS_LINE))
    found.add(m[1]!.startsWith('SECURE_') ? 'SECURE_' : m[1]!);
  const strong = [
    'ALLOWED_HOSTS',
    'INSTALLED_APPS',
    'MIDDLEWARE',
    'MIDDLEWARE_CLASSES',
    'SECURE_',
  ].filter((k) => found.has(k)).length;
  if (strong >= 2) return 3;
  if (found.size >= 1 && SETTINGS_NAME.test(bare)) return 2;
  if (found.size >= 2) return 1;
  if (SETTINGS_NAME.test(bare) && /^(DEBUG|SECRET_KEY|DATABASES)\s*=/m.test(text)) return 1;
  return 0;
}

/** A setting's `file:line: text` evidence line. */
export const evidence = (input: DjangoInput, a: Assignment): string =>
  `${input.file}:${a.line}: ${a.text}`;

/** Where a setting is assigned. */
export const locOf = (input: DjangoInput, a: Assignment): Loc => ({
  file: input.file,
  line: a.line,
  col: a.col,
});

/** A setting, or undefined when this file does not assign it. */
export const setting = (input: DjangoInput, name: string): Assignment | undefined =>
  input.module.assigned.get(name);

/**
 * The header name Django reads for a `META` key (`HTTP_X_FORWARDED_PROTO` ->
 * `x-forwarded-proto`), or undefined when the key is no request header.
 */
export function headerOfMetaKey(key: string): string | undefined {
  if (!/^HTTP_[A-Z0-9_]+$/.test(key)) return undefined;
  return key.slice(5).toLowerCase().replace(/_/g, '-');
}

/** True when MIDDLEWARE is known and holds SecurityMiddleware; undefined when unknown. */
export function hasSecurityMiddleware(input: DjangoInput): boolean | undefined {
  const mw = setting(input, 'MIDDLEWARE') ?? setting(input, 'MIDDLEWARE_CLASSES');
  const list = strings(mw?.value);
  if (!list) return undefined;
  return list.includes('django.middleware.security.SecurityMiddleware');
}

/** The literal value of a setting (a known one only). */
export function known(a: Assignment | undefined): PyValue | undefined {
  return a && a.value.t !== 'unknown' ? a.value : undefined;
}

/** True when a boolean setting is literally on. */
export const on = (a: Assignment | undefined): boolean => truthy(known(a)) === true;

/**
 * SECURE_PROXY_SSL_HEADER as written: the assignment, and its META key and https value when
 * it is a literal pair (`pair` undefined when it is not a tuple or list at all).
 */
export function sslHeader(
  input: DjangoInput,
): { a: Assignment; pair?: readonly PyValue[]; name?: string; value?: string } | undefined {
  const a = setting(input, 'SECURE_PROXY_SSL_HEADER');
  if (!a) return undefined;
  const pair = a.value.t === 'tuple' || a.value.t === 'list' ? a.value.items : undefined;
  const name = str(pair?.[0]);
  const value = str(pair?.[1]);
  return {
    a,
    ...(pair ? { pair } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(value !== undefined ? { value } : {}),
  };
}

/** The hop a settings file describes: Django believes what its settings name, from any peer. */
export function djangoModel(input: DjangoInput): HopModel[] {
  const believes: Belief[] = [];
  const unknowns: string[] = [];
  let trustAt: Loc | undefined;
  const h = sslHeader(input);
  if (h) {
    const { a: ssl, pair, name, value } = h;
    const header = name !== undefined ? headerOfMetaKey(name) : undefined;
    if (header) {
      believes.push({
        name: header,
        purpose: 'scheme',
        ...(value !== undefined ? { value } : {}),
        at: locOf(input, ssl),
      });
      trustAt ??= locOf(input, ssl);
    } else if (ssl.value.t === 'unknown' || !pair || name === undefined)
      unknowns.push(`${input.file}:${ssl.line}: SECURE_PROXY_SSL_HEADER is not a literal`);
  }
  for (const [key, header, purpose] of [
    ['USE_X_FORWARDED_HOST', 'x-forwarded-host', 'host'],
    ['USE_X_FORWARDED_PORT', 'x-forwarded-port', 'port'],
  ] as const) {
    const a = setting(input, key);
    if (!a) continue;
    if (a.value.t === 'unknown') unknowns.push(`${input.file}:${a.line}: ${key} is not a literal`);
    else if (on(a)) {
      believes.push({ name: header, purpose, at: locOf(input, a) });
      trustAt ??= locOf(input, a);
    }
  }
  for (const m of input.module.starImports)
    unknowns.push(`${input.file}: settings imported from ${m} are not read`);
  const hstsA = setting(input, 'SECURE_HSTS_SECONDS');
  const hstsV = known(hstsA);
  const hsts =
    hstsA && hstsV?.t === 'num' && hstsV.v > 0 && hasSecurityMiddleware(input) !== false
      ? locOf(input, hstsA)
      : undefined;
  return [
    {
      file: input.file,
      kind: 'django',
      role: 'app',
      label: `django ${input.file.split('/').pop()}`,
      listens: [],
      targets: [],
      writes: [],
      believes,
      // Django has no list of proxies: it believes these headers from whoever reaches it
      ...(trustAt ? { trust: { all: true, inherent: true, at: trustAt } } : {}),
      ...(hsts ? { hsts } : {}),
      ...(unknowns.length ? { unknowns } : {}),
    },
  ];
}

/** The Django handler. */
export const djangoHandler: KindHandler<DjangoInput> = {
  kind: 'django',
  detect,
  parse(file, text, opts) {
    const module = readModule(text);
    const version =
      givenDjangoVersion(opts.djangoVersion) ??
      (opts.noIncludes || file === '-' ? undefined : inferDjangoVersion(file));
    const notes: string[] = [];
    for (const m of module.starImports)
      notes.push(
        `settings imported with \`from ${m} import *\` are not read: rules see this file's settings only`,
      );
    if (!version)
      notes.push('the Django version is unknown (no pin found; --django-version sets it)');
    return {
      input: { file, module, ...(version ? { version } : {}) },
      problems: module.problems.map((p) => ({ file, ...p })),
      notes,
      files: [file],
      texts: new Map([[file, text]]),
    };
  },
  model: djangoModel,
};
