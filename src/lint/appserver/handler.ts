/**
 * App servers as a kind of file: gunicorn configuration files (Python, read with the
 * Django reader, never imported), uwsgi ini files, and the gunicorn/uvicorn command lines
 * of a Procfile, a Dockerfile (`CMD`/`ENTRYPOINT`, shell and JSON forms, with its `ENV`)
 * or a shell script.
 */

import { readModule, str } from '../django/python.js';
import type { Certainty, KindHandler, ParseProblem } from '../kinds.js';
import type { Loc } from '../model.js';
import { stripTemplateExt } from '../template.js';
import {
  type AppServer,
  envSetting,
  lineOfText,
  readCommands,
  type Setting,
  shellWords,
  UWSGI_SOCKET_KEYS,
  uwsgiBind,
  type Word,
} from './command.js';
import { appServerModel } from './model.js';

/** What the app-server rules read (the compose handler gives the same shape). */
export interface AppServerInput {
  readonly file: string;
  readonly servers: readonly AppServer[];
}

const GUNICORN_NAME = /(^|\/)gunicorn[\w.-]*\.py$/i;
const GUNICORN_SETTING =
  /^(bind|workers|worker_class|threads|timeout|forwarded_allow_ips|secure_scheme_headers|wsgi_app|accesslog|errorlog|keepalive|proxy_allow_ips|max_requests|graceful_timeout|worker_connections|preload_app)\s*=/m;
const PROCFILE = /(^|\/)Procfile[\w.-]*$/i;
const DOCKERFILE = /(^|\/)(dockerfile|containerfile)[\w.-]*$|\.dockerfile$/i;
const SHELL = /\.(sh|bash)$/i;
const RUNS = /\b(gunicorn3?|uvicorn|uwsgi)\b/;

function detect(name: string, text: string): Certainty {
  const bare = stripTemplateExt(name);
  if (/\.ini$/i.test(bare) && /^\s*\[uwsgi\]/m.test(text)) return 3;
  if (GUNICORN_NAME.test(bare)) return GUNICORN_SETTING.test(text) || text.trim() === '' ? 3 : 2;
  if (/\.py$/i.test(bare))
    return /^(forwarded_allow_ips|secure_scheme_headers)\s*=/m.test(text) ? 2 : 0;
  if (PROCFILE.test(bare)) return RUNS.test(text) ? 3 : 0;
  if (DOCKERFILE.test(bare))
    return /^\s*(CMD|ENTRYPOINT|RUN)\b.*\b(gunicorn3?|uvicorn|uwsgi)\b/im.test(text) ? 3 : 0;
  if (SHELL.test(bare) || /^#!.*\b(ba|da|z)?sh\b/.test(text))
    return /^\s*(exec\s+)?[\w/.-]*(gunicorn3?|uvicorn|uwsgi)\s/m.test(text) ? 2 : 0;
  return 0;
}

/** A gunicorn configuration file: its settings, never run. */
export function readGunicornConfig(
  file: string,
  text: string,
): { server: AppServer; problems: ParseProblem[] } {
  const mod = readModule(text);
  const lineOf = lineOfText(text);
  const loc = (line: number, col: number): Loc => ({ file, line, col });
  const server: AppServer = {
    server: 'gunicorn',
    at: loc(1, 1),
    evidence: `${file}:1: ${lineOf(1)}`,
    binds: [],
    unknowns: [],
  };
  const setting = (name: string): Setting | undefined => {
    const a = mod.assigned.get(name);
    if (!a) return undefined;
    const v = a.value;
    const value =
      str(v) ??
      (v.t === 'list' || v.t === 'tuple'
        ? v.items.map((i) => str(i) ?? '\0').join(',')
        : undefined);
    return {
      ...(value !== undefined && !value.includes('\0') ? { value } : {}),
      at: loc(a.line, a.col),
      evidence: `${file}:${a.line}: ${a.text}`,
    };
  };
  const bind = mod.assigned.get('bind');
  if (bind) {
    const v = bind.value;
    const items = v.t === 'list' || v.t === 'tuple' ? v.items : [v];
    for (const it of items)
      server.binds.push({
        ...(it.t === 'str' ? { value: it.v } : {}),
        at: loc(it.at.line, it.at.col),
        evidence: `${file}:${bind.line}: ${bind.text}`,
      });
  }
  const fai = setting('forwarded_allow_ips');
  if (fai) server.forwardedAllowIps = fai;
  const wc = mod.assigned.get('worker_class');
  if (wc) server.worker = str(wc.value) ?? '?';
  if (mod.assigned.get('certfile')) server.tls = true;
  const ssh = mod.assigned.get('secure_scheme_headers');
  if (ssh) {
    const v = ssh.value;
    const entries =
      v.t === 'dict'
        ? v.entries.flatMap(([k, val]) =>
            k.t === 'str'
              ? [
                  {
                    key: k.v,
                    ...(val.t === 'str' ? { value: val.v } : {}),
                    at: loc(k.at.line, k.at.col),
                  },
                ]
              : [],
          )
        : undefined;
    server.schemeHeaders = {
      ...(entries ? { entries } : {}),
      at: loc(ssh.line, ssh.col),
      evidence: `${file}:${ssh.line}: ${ssh.text}`,
    };
  }
  for (const m of mod.starImports) server.unknowns.push(`settings imported from ${m} are not read`);
  return { server, problems: mod.problems.map((p) => ({ file, ...p })) };
}

/** A uwsgi ini file's `[uwsgi]` section: its sockets. */
export function readUwsgiIni(file: string, text: string): AppServer[] {
  const lines = text.split(/\r\n|\r|\n/);
  const out: AppServer[] = [];
  let cur: AppServer | undefined;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) return;
    const sec = /^\[([^\]]+)\]/.exec(line);
    if (sec) {
      cur =
        sec[1]!.trim() === 'uwsgi'
          ? {
              server: 'uwsgi',
              at: { file, line: i + 1, col: raw.indexOf('[') + 1 },
              evidence: `${file}:${i + 1}: ${line}`,
              binds: [],
              unknowns: [],
            }
          : undefined;
      if (cur) out.push(cur);
      return;
    }
    if (!cur) return;
    const kv = /^([\w-]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) return;
    const key = kv[1]!;
    const value = kv[2]!.replace(/\s+[;#].*$/, '').trim();
    if (UWSGI_SOCKET_KEYS.has(key))
      cur.binds.push(
        uwsgiBind(
          key,
          value,
          { file, line: i + 1, col: raw.indexOf(key) + 1 },
          `${file}:${i + 1}: ${line}`,
        ),
      );
  });
  return out;
}

/** The `ENV` of a Dockerfile up to a line (`ENV A=1 B=2` or `ENV A 1`). */
function dockerEnv(
  words: readonly Word[],
  lineOf: (n: number) => string,
  env: Map<string, Setting>,
) {
  if (words.length === 2 && !words[0]!.v.includes('=')) {
    const [k, v] = words as [Word, Word];
    env.set(k.v, envSetting(v.at, v.dynamic ? undefined : v.v, lineOf));
    return;
  }
  for (const w of words) {
    const m = /^([A-Za-z_]\w*)=(.*)$/s.exec(w.v);
    if (m) env.set(m[1]!, envSetting(w.at, w.dynamic ? undefined : m[2]!, lineOf));
  }
}

/** A JSON (exec form) array's words, placed at its line. */
function execWords(json: string, file: string, line: number, col: number): Word[] | undefined {
  try {
    const arr: unknown = JSON.parse(json);
    if (!Array.isArray(arr) || !arr.every((x) => typeof x === 'string')) return undefined;
    let c = col;
    return (arr as string[]).map((v) => {
      const at = { file, line, col: c };
      c += v.length + 4;
      return { v, at };
    });
  } catch {
    return undefined;
  }
}

/** A Dockerfile's app servers: the last CMD/ENTRYPOINT of each stage, RUN lines ignored. */
export function readDockerfile(file: string, text: string): AppServer[] {
  const lineOf = lineOfText(text);
  const out: AppServer[] = [];
  const raw = text.split(/\r\n|\r|\n/);
  const env = new Map<string, Setting>();
  let entry: Word[] | undefined;
  let cmd: Word[] | undefined;
  let entryExec = false;
  let cmdExec = false;
  const finish = () => {
    const words = entry && entryExec && cmd && cmdExec ? [...entry, ...cmd] : undefined;
    const sets = words ? [words] : [entry, cmd].filter((w): w is Word[] => w !== undefined);
    for (const w of sets) out.push(...readCommands(w, lineOf, env));
    entry = cmd = undefined;
    env.clear();
  };
  for (let i = 0; i < raw.length; i++) {
    const start = i;
    let body = raw[i]!;
    while (/\\\s*$/.test(body) && i + 1 < raw.length) {
      i++;
      body = `${body.replace(/\\\s*$/, '')}\n${/^\s*#/.test(raw[i]!) ? '' : raw[i]!}`;
    }
    const m = /^(\s*)([A-Za-z]+)\s+(.*)$/s.exec(body);
    if (!m) continue;
    const instr = m[2]!.toUpperCase();
    const rest = m[3]!;
    const col = m[1]!.length + m[2]!.length + 2;
    if (instr === 'FROM') {
      finish();
      continue;
    }
    if (instr !== 'CMD' && instr !== 'ENTRYPOINT' && instr !== 'ENV') continue;
    const exec = rest.trim().startsWith('[')
      ? execWords(rest.trim(), file, start + 1, col + 1)
      : undefined;
    const words = exec ?? shellWords(rest.replace(/\n/g, ' '), file, start + 1, col);
    if (instr === 'ENV') dockerEnv(words, lineOf, env);
    else if (instr === 'CMD') {
      cmd = words;
      cmdExec = exec !== undefined;
    } else {
      entry = words;
      entryExec = exec !== undefined;
    }
  }
  finish();
  return out;
}

/** A Procfile's process lines (`web: gunicorn ...`). */
export function readProcfile(file: string, text: string): AppServer[] {
  const lineOf = lineOfText(text);
  const out: AppServer[] = [];
  text.split(/\r\n|\r|\n/).forEach((l, i) => {
    const m = /^([\w-]+):\s*(.*)$/.exec(l);
    if (!m) return;
    const col = l.indexOf(m[2]!) + 1;
    out.push(...readCommands(shellWords(m[2]!, file, i + 1, col), lineOf));
  });
  return out;
}

/** A shell script's commands (continuation lines joined). */
export function readShell(file: string, text: string): AppServer[] {
  return readCommands(shellWords(text.replace(/\r\n?/g, '\n'), file, 1, 1), lineOfText(text));
}

/** The app-server handler. */
export const appServerHandler: KindHandler<AppServerInput> = {
  kind: 'appserver',
  detect,
  parse(file, text) {
    const bare = stripTemplateExt(file);
    const problems: ParseProblem[] = [];
    const notes: string[] = [];
    let servers: AppServer[] = [];
    try {
      if (/\.ini$/i.test(bare) || /^\s*\[uwsgi\]/m.test(text)) servers = readUwsgiIni(file, text);
      else if (/\.py$/i.test(bare)) {
        const g = readGunicornConfig(file, text);
        servers = [g.server];
        problems.push(...g.problems);
      } else if (PROCFILE.test(bare)) servers = readProcfile(file, text);
      else if (DOCKERFILE.test(bare) || /^\s*FROM\s/im.test(text))
        servers = readDockerfile(file, text);
      else servers = readShell(file, text);
    } catch (e) {
      problems.push({
        file,
        line: 1,
        col: 1,
        message: `cannot read the file: ${(e as Error).message}`,
      });
    }
    for (const s of servers) for (const u of s.unknowns) notes.push(`${s.server}: ${u}`);
    return {
      input: { file, servers },
      problems,
      notes,
      files: [file],
      texts: new Map([[file, text]]),
    };
  },
  model: (input) => appServerModel(input.file, input.servers),
};
