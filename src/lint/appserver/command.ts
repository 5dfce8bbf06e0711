/**
 * gunicorn, uvicorn and uwsgi command lines, wherever they are written: a Procfile `web:` line, a
 * Dockerfile `CMD`/`ENTRYPOINT` (shell or JSON form), a shell script, a compose
 * `command:`. Words are split as a POSIX shell splits them (quotes, backslashes); a `$VAR`
 * is an unknown value, never expanded.
 */
import type { Loc } from '../model.js';

/** A word of a command, with where it starts. */
export interface Word {
  readonly v: string;
  readonly at: Loc;
  /** The word holds an unquoted or double-quoted `$VAR`: its value is unknown. */
  readonly dynamic?: boolean;
}

/** An option's value as written. */
export interface Setting {
  /** undefined when unknown (a `$VAR`). */
  readonly value?: string;
  readonly at: Loc;
  /** The evidence line (`file:line: text`). */
  readonly evidence: string;
  /** Set by an environment variable (FORWARDED_ALLOW_IPS), not an option. */
  readonly fromEnv?: boolean;
  /** A bind that terminates TLS (uwsgi `https`). */
  readonly tls?: boolean;
}

/** One app server as its command line or configuration file sets it. */
export interface AppServer {
  readonly server: 'gunicorn' | 'uvicorn' | 'uwsgi';
  /** Where it starts (the command word, the config file's first line, `[uwsgi]`). */
  readonly at: Loc;
  readonly evidence: string;
  /** Bind addresses as written (`127.0.0.1:8000`, `unix:/run/app.sock`, `:8000`). */
  readonly binds: Setting[];
  /** uvicorn `--host`/`--port`/`--uds`. */
  host?: Setting;
  port?: Setting;
  uds?: Setting;
  /** gunicorn/uvicorn forwarded_allow_ips (option, config or FORWARDED_ALLOW_IPS). */
  forwardedAllowIps?: Setting;
  /** uvicorn `--proxy-headers` (default on) / `--no-proxy-headers`. */
  proxyHeaders?: Setting & { readonly on: boolean };
  /** gunicorn `secure_scheme_headers` (config file only). */
  schemeHeaders?: {
    readonly entries?: readonly {
      readonly key: string;
      readonly value?: string;
      readonly at: Loc;
    }[];
    readonly at: Loc;
    readonly evidence: string;
  };
  /** gunicorn `-k`/`worker_class`. */
  worker?: string;
  /** gunicorn `-c`: another file holds more settings. */
  config?: string;
  /** TLS on its own listener (`--certfile`, `--ssl-certfile`, uwsgi `https`). */
  tls?: boolean;
  /** Compose service name (other files reach it by it). */
  names?: readonly string[];
  /** Settings left unknown. */
  readonly unknowns: string[];
}

/**
 * Split a shell command into words. `line`/`col` place the text's first character;
 * `lineText` gives evidence. Never throws.
 */
export function shellWords(text: string, file: string, line: number, col: number): Word[] {
  const words: Word[] = [];
  let cur = '';
  let start: Loc | undefined;
  let dynamic = false;
  let l = line;
  let c = col;
  const flush = () => {
    if (start !== undefined) words.push({ v: cur, at: start, ...(dynamic ? { dynamic } : {}) });
    cur = '';
    start = undefined;
    dynamic = false;
  };
  const begin = () => {
    start ??= { file, line: l, col: c };
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') {
      flush();
      words.push({ v: ';', at: { file, line: l, col: c } });
      l++;
      c = 1;
      continue;
    }
    if (ch === ' ' || ch === '\t') {
      flush();
      c++;
      continue;
    }
    if (ch === '#' && start === undefined) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      continue;
    }
    if (ch === '\\') {
      if (text[i + 1] === '\n') {
        i++;
        l++;
        c = 1;
        continue;
      }
      begin();
      cur += text[i + 1] ?? '';
      i++;
      c += 2;
      continue;
    }
    if (ch === "'" || ch === '"') {
      begin();
      let j = i + 1;
      while (j < text.length && text[j] !== ch) {
        if (ch === '"' && text[j] === '\\' && j + 1 < text.length) j++;
        if (ch === '"' && text[j] === '$') dynamic = true;
        if (text[j] === '\n') {
          l++;
          c = 0;
        }
        cur += text[j];
        j++;
      }
      c += j - i + 1;
      i = j;
      continue;
    }
    if (';&|()<>'.includes(ch)) {
      flush();
      words.push({ v: ch, at: { file, line: l, col: c } });
      c++;
      continue;
    }
    begin();
    if (ch === '$' || ch === '`') dynamic = true;
    cur += ch;
    c++;
  }
  flush();
  return words;
}

const SEPARATORS = new Set([';', '&', '|', '(', ')', '<', '>']);
const WRAPPERS = new Set([
  'exec',
  'sudo',
  'nohup',
  'env',
  'time',
  'command',
  'run',
  'poetry',
  'pipenv',
  'uv',
  'pdm',
  'hatch',
  'ddtrace-run',
  'newrelic-admin',
  'run-program',
  'dumb-init',
  'tini',
  '--',
]);

/** The server a word runs, when it runs one. */
function serverWord(w: string): AppServer['server'] | undefined {
  const base = w.split('/').pop() ?? '';
  if (base === 'gunicorn' || base === 'gunicorn3') return 'gunicorn';
  if (base === 'uvicorn') return 'uvicorn';
  if (base === 'uwsgi' || base === 'uwsgi_python3') return 'uwsgi';
  return undefined;
}

/** The uwsgi options (command line) and ini keys that open a listening socket. */
export const UWSGI_SOCKET_KEYS: ReadonlySet<string> = new Set([
  'http',
  'http-socket',
  'https',
  'socket',
  'uwsgi-socket',
  'http11-socket',
  'https-socket',
]);

/**
 * A uwsgi socket option as a bind: `https` and `https-socket` terminate TLS and give the
 * address first (`:8443,cert.pem,key.pem`); a `$(VAR)`, `%(var)` or `@(file)` is unknown.
 */
export function uwsgiBind(
  key: string,
  value: string | undefined,
  at: Loc,
  evidence: string,
): Setting {
  const tls = key.startsWith('https');
  const known = value !== undefined && !/\$\(|%\(|@\(/.test(value);
  return {
    ...(known ? { value: tls ? value.split(',')[0]! : value } : {}),
    at,
    evidence,
    ...(tls ? { tls: true } : {}),
  };
}

/** Evidence for a command at `at`: the source line of its file. */
export type LineOf = (line: number) => string;

/** The trimmed lines of a text, one-based, for evidence. */
export const lineOfText = (text: string): LineOf => {
  const lines = text.split(/\r\n|\r|\n/);
  return (n: number) => (lines[n - 1] ?? '').trim();
};

/** An environment variable's setting (`FORWARDED_ALLOW_IPS=...`): unknown when `value` is. */
export const envSetting = (at: Loc, value: string | undefined, lineOf: LineOf): Setting => ({
  ...(value !== undefined ? { value } : {}),
  at,
  evidence: `${at.file}:${at.line}: ${lineOf(at.line)}`,
  fromEnv: true,
});

/**
 * The gunicorn, uvicorn and uwsgi commands among `words` (`FORWARDED_ALLOW_IPS=* gunicorn
 * ...`, `python -m uvicorn ...`, `exec gunicorn ...`, `uwsgi --http-socket :8000 ...`). `env` holds variables set around them (a
 * Dockerfile `ENV`, a compose `environment:`).
 */
export function readCommands(
  words: readonly Word[],
  lineOf: LineOf,
  env: ReadonlyMap<string, Setting> = new Map(),
): AppServer[] {
  const out: AppServer[] = [];
  let cmdStart = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (SEPARATORS.has(w.v)) {
      cmdStart = i + 1;
      continue;
    }
    if (/\s/.test(w.v) && /\b(gunicorn|uvicorn|uwsgi)\b/.test(w.v)) {
      // `sh -c "gunicorn ..."`: the quoted script, read as its own words
      const inner = shellWords(w.v, w.at.file, w.at.line, w.at.col + 1);
      out.push(...readCommands(inner, lineOf, env));
      continue;
    }
    let server = serverWord(w.v);
    let argsFrom = i + 1;
    if (!server && w.v === '-m' && /python/.test(words[i - 1]?.v ?? '')) {
      server = serverWord(words[i + 1]?.v ?? '');
      argsFrom = i + 2;
    }
    if (!server) continue;
    // only words before it that are assignments or wrappers: the command word itself
    const before = words.slice(cmdStart, server && w.v === '-m' ? i - 1 : i);
    if (
      !before.every(
        (b) =>
          /^[A-Za-z_]\w*=/.test(b.v) ||
          WRAPPERS.has(b.v.split('/').pop() ?? '') ||
          /python/.test(b.v) ||
          b.v.startsWith('-'),
      )
    )
      continue;
    let end = argsFrom;
    while (end < words.length && !SEPARATORS.has(words[end]!.v)) end++;
    const localEnv = new Map(env);
    for (const b of before) {
      const m = /^([A-Za-z_]\w*)=(.*)$/s.exec(b.v);
      if (m) localEnv.set(m[1]!, envSetting(b.at, b.dynamic ? undefined : m[2]!, lineOf));
    }
    out.push(readArgs(server, w, words.slice(argsFrom, end), lineOf, localEnv));
    i = end - 1;
  }
  return out;
}

const ev = (w: Word, lineOf: LineOf) => `${w.at.file}:${w.at.line}: ${lineOf(w.at.line)}`;

/** One server's options. */
function readArgs(
  server: AppServer['server'],
  cmd: Word,
  args: readonly Word[],
  lineOf: LineOf,
  env: ReadonlyMap<string, Setting>,
): AppServer {
  const s: AppServer = { server, at: cmd.at, evidence: ev(cmd, lineOf), binds: [], unknowns: [] };
  const setting = (w: Word, value: string | undefined): Setting => ({
    ...(value !== undefined && !w.dynamic ? { value } : {}),
    at: w.at,
    evidence: ev(w, lineOf),
  });
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    // gunicorn's short options may take their value attached: -b0.0.0.0:80
    const short = server === 'gunicorn' ? /^(-[bcek])(.+)$/s.exec(w.v) : null;
    const m = short ?? /^(--?[\w-]+)(?:=(.*))?$/s.exec(w.v);
    if (!m) continue;
    const opt = m[1]!;
    const value = m[2];
    const takes = (raw = false): string | undefined => {
      if (value !== undefined) return value;
      const next = args[i + 1];
      if (!next) return undefined;
      i++;
      return next.dynamic && !raw ? undefined : next.v;
    };
    const at = value !== undefined ? w : (args[i + 1] ?? w);
    if (server === 'uwsgi') {
      const key = opt.replace(/^--?/, '');
      if (UWSGI_SOCKET_KEYS.has(key) || opt === '-s') {
        const v = takes();
        s.binds.push(uwsgiBind(opt === '-s' ? 'socket' : key, v, at.at, ev(at, lineOf)));
      } else if (key === 'ini') s.config = takes() ?? '?';
      continue;
    }
    switch (opt) {
      case '-b':
      case '--bind': {
        // a bind keeps what it names even with a $VAR in it (`0.0.0.0:$PORT`: the port unknown)
        const v = takes(true);
        s.binds.push({
          ...(v !== undefined ? { value: v } : {}),
          at: at.at,
          evidence: ev(at, lineOf),
        });
        break;
      }
      case '--forwarded-allow-ips':
        s.forwardedAllowIps = setting(at, takes());
        break;
      case '-e':
      case '--env': {
        const kv = takes() ?? '';
        const e = /^FORWARDED_ALLOW_IPS=(.*)$/s.exec(kv);
        if (e) s.forwardedAllowIps = { ...setting(at, e[1]), fromEnv: true };
        break;
      }
      case '-c':
      case '--config':
        s.config = takes() ?? '?';
        break;
      case '-k':
      case '--worker-class':
        s.worker = takes() ?? '?';
        break;
      case '--certfile':
      case '--ssl-certfile':
        takes();
        s.tls = true;
        break;
      case '--host':
        s.host = setting(at, takes());
        break;
      case '--port':
        s.port = setting(at, takes());
        break;
      case '--uds':
        s.uds = setting(at, takes());
        break;
      case '--proxy-headers':
        s.proxyHeaders = { ...setting(w, 'on'), on: true };
        break;
      case '--no-proxy-headers':
        s.proxyHeaders = { ...setting(w, 'off'), on: false };
        break;
      default:
        break;
    }
  }
  if (!s.forwardedAllowIps) {
    const e = env.get('FORWARDED_ALLOW_IPS');
    if (e) s.forwardedAllowIps = e;
  }
  const gca = env.get('GUNICORN_CMD_ARGS');
  if (server === 'gunicorn' && gca)
    s.unknowns.push('GUNICORN_CMD_ARGS adds options that are not read');
  if (s.config)
    s.unknowns.push(
      `settings in its configuration file ${s.config} are read only when that file is linted`,
    );
  return s;
}
