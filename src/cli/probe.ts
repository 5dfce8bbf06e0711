/**
 * `proxytrust probe django|wsgi|asgi|node`: print a probe for an app that does not run
 * proxytrust's middleware. The Python probes are single files shipped in the package
 * (`probes/`): the file goes to stdout, so `proxytrust probe django > proxytrust_probe.py`
 * writes it, and the install steps go to stderr. `node` prints how to use `proxytrust/probe`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError } from './usage.js';

interface PythonProbe {
  readonly file: string;
  readonly what: string;
  readonly install: string;
}

/** The Python probes, by kind; paths are relative to the package root. */
const PYTHON: Readonly<Record<'django' | 'wsgi' | 'asgi', PythonProbe>> = {
  django: {
    file: 'probes/django/proxytrust_probe.py',
    what: 'a Django middleware (Django 3.2+)',
    install: `Install the Django probe:
  1. Save it next to your settings:  proxytrust probe django > proxytrust_probe.py
  2. Put it FIRST in MIDDLEWARE (so it answers over http before SecurityMiddleware redirects):
       MIDDLEWARE = ["proxytrust_probe.ProxytrustProbeMiddleware", *MIDDLEWARE]
  3. Set PROXYTRUST_PROBE_SECRET (16+ characters) in the app's environment; unset = off.
  4. Audit:  PROXYTRUST_PROBE_SECRET=... proxytrust audit https://your.site/
See docs/probes.md.`,
  },
  wsgi: {
    file: 'probes/wsgi/proxytrust_wsgi_probe.py',
    what: 'a WSGI middleware (Flask, Bottle, Pyramid, Falcon, ...)',
    install: `Install the WSGI probe:
  1. Save it in your project:  proxytrust probe wsgi > proxytrust_wsgi_probe.py
  2. Wrap the app innermost (inside ProxyFix, if you use it):
       from proxytrust_wsgi_probe import ProxytrustWsgiProbe
       app.wsgi_app = ProxytrustWsgiProbe(app.wsgi_app)   # Flask
  3. Set PROXYTRUST_PROBE_SECRET (16+ characters) in the app's environment; unset = off.
See docs/probes.md.`,
  },
  asgi: {
    file: 'probes/asgi/proxytrust_asgi_probe.py',
    what: 'an ASGI middleware (Starlette, FastAPI, Quart, ...)',
    install: `Install the ASGI probe:
  1. Save it in your project:  proxytrust probe asgi > proxytrust_asgi_probe.py
  2. Wrap the app innermost:
       from proxytrust_asgi_probe import ProxytrustAsgiProbe
       app = ProxytrustAsgiProbe(app)
  3. Set PROXYTRUST_PROBE_SECRET (16+ characters) in the app's environment; unset = off.
See docs/probes.md.`,
  },
};

const NODE_INSTRUCTIONS = `// The Node probe ships in the package as 'proxytrust/probe' (zero dependencies).
// It reports what your framework believes under its own proxy settings. Use it first:

import { expressProbe, fastifyProbe, koaProbe } from 'proxytrust/probe';

app.set('trust proxy', 'loopback');          // Express: your own setting, unchanged
app.use(expressProbe());

fastify.addHook('onRequest', fastifyProbe()); // Fastify({ trustProxy: ... })

koa.use(koaProbe());                          // koa.proxy = true

// Off unless PROXYTRUST_PROBE_SECRET (16+ characters) is set, or pass { secret }.
// Apps that run proxytrust's middleware need none of this: give it probe: { secret }.
// See docs/probes.md.`;

/** The kinds `proxytrust probe` knows. */
export const PROBE_KINDS = ['django', 'wsgi', 'asgi', 'node'] as const;

export const PROBE_HELP = `Usage: proxytrust probe <${PROBE_KINDS.join('|')}> [--path]

Print a probe for an app that does not run proxytrust's middleware, so that
\`proxytrust audit --probe-secret\` can ask the app what it believed.

  django   ${PYTHON.django.what}
  wsgi     ${PYTHON.wsgi.what}
  asgi     ${PYTHON.asgi.what}
  node     Express, Fastify and Koa apps with their own trust settings (proxytrust/probe)

The Python file goes to stdout (redirect it into your project) and the install steps to
stderr. Every probe is off unless PROXYTRUST_PROBE_SECRET is set in the app's environment.

  --path       print where the file is inside the installed package instead
  -h, --help   this help

Exit status: 0 printed, 2 usage error (unknown kind). Protocol: docs/probe-protocol.md.`;

/** The absolute path of a file shipped in the package (relative to its root). */
export function packageFile(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}

/** Run `proxytrust probe`; returns the exit status. */
export function probeCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(PROBE_HELP);
    return 0;
  }
  const kinds = PROBE_KINDS.join(', ');
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? `probe: which probe? one of ${kinds} (see: proxytrust probe --help)`
        : `probe: one kind at a time, got ${positionals.join(' ')} (one of ${kinds})`,
    );
  }
  const kind = positionals[0]!;
  if (kind === 'node') {
    if (values.path) out(packageFile('dist/probe/index.js'));
    else out(NODE_INSTRUCTIONS);
    return 0;
  }
  if (!Object.hasOwn(PYTHON, kind)) {
    throw new UsageError(`probe: unknown kind "${kind}"; valid kinds: ${kinds}`);
  }
  const probe = PYTHON[kind as keyof typeof PYTHON];
  const path = packageFile(probe.file);
  if (values.path) {
    out(path);
    return 0;
  }
  const text = readFileSync(path, 'utf8');
  out(text.endsWith('\n') ? text.slice(0, -1) : text);
  err(probe.install);
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { help: { type: 'boolean', short: 'h' }, path: { type: 'boolean' } },
  });
}
