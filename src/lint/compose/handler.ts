/**
 * Docker Compose files: each service's name, image, ports, `command:`/`entrypoint:` (read
 * with the app-server command reader) and `environment:`. App-server commands become app
 * hops named after their service; nginx, HAProxy, Caddy, Traefik and Apache images become
 * proxy hops with the configuration files they mount recorded (the proxy's own file tells
 * what it writes).
 */
import type { Scalar, YAMLMap } from 'yaml';
import {
  type AppServer,
  envSetting,
  lineOfText,
  readCommands,
  type Setting,
  shellWords,
  type Word,
} from '../appserver/command.js';
import type { AppServerInput } from '../appserver/handler.js';
import { serverModel } from '../appserver/model.js';
import { yaml } from '../ingress.js';
import type { Certainty, KindHandler, ParseProblem } from '../kinds.js';
import type { HeaderWrite, HopModel, Listener, Loc } from '../model.js';
import { stripTemplateExt } from '../template.js';

/** A published or exposed port: the container port other services reach. */
export interface ComposePort {
  readonly published?: number;
  readonly target?: number;
  readonly at: Loc;
}

/** One compose service. */
export interface ComposeService {
  readonly name: string;
  readonly image?: string;
  readonly at: Loc;
  readonly ports: readonly ComposePort[];
  readonly environment: ReadonlyMap<string, Setting>;
  /** Bind mounts (`./nginx.conf:/etc/nginx/nginx.conf:ro`): host path and container path. */
  readonly mounts: readonly {
    readonly source: string;
    readonly target: string;
    readonly at: Loc;
  }[];
  /** The proxy its image is, when it is one. */
  readonly proxy?: 'nginx' | 'haproxy' | 'caddy' | 'traefik' | 'apache';
  /** Its `command:` as words (Traefik's flags, an app server's options). */
  readonly command: readonly string[];
}

/** What the compose handler gives: the app servers its commands start, and its services. */
export interface ComposeInput extends AppServerInput {
  readonly services: readonly ComposeService[];
}

const COMPOSE_NAME = /(^|\/)(docker-)?compose[\w.-]*\.ya?ml$/i;
const PROXY_IMAGE =
  /(^|\/)(nginx|openresty|haproxy|caddy|traefik|httpd|apache2?)(:|@|$)|(^|\/)nginxinc\/|(^|\/)bitnami\/(nginx|haproxy)/i;

function detect(name: string, text: string): Certainty {
  const bare = stripTemplateExt(name);
  if (!/\.ya?ml$/i.test(bare)) return 0;
  const services = /^services:\s*$/m.test(text) && /^\s+(image|build|command):/m.test(text);
  if (COMPOSE_NAME.test(bare)) return services || /^services:/m.test(text) ? 3 : 2;
  return services && !/^\s*kind:\s/m.test(text) ? 2 : 0;
}

const proxyOf = (image: string | undefined): ComposeService['proxy'] => {
  const m = image ? PROXY_IMAGE.exec(image) : null;
  if (!m) return undefined;
  const p = (m[2] ?? m[5] ?? 'nginx').toLowerCase();
  if (p === 'openresty' || /nginxinc/i.test(m[0])) return 'nginx';
  if (p.startsWith('apache') || p === 'httpd') return 'apache';
  return p as ComposeService['proxy'];
};

/** `8080:80`, `127.0.0.1:8080:80/tcp`, `80`, `${PORT:-80}:80`. */
function parsePort(v: unknown, at: Loc): ComposePort | undefined {
  if (typeof v === 'number') return { target: v, at };
  if (typeof v === 'string') {
    const parts = v.replace(/\/(tcp|udp)$/, '').split(':');
    const num = (s: string | undefined) =>
      s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined;
    const target = num(parts[parts.length - 1]);
    const published = parts.length > 1 ? num(parts[parts.length - 2]) : undefined;
    return {
      ...(target !== undefined ? { target } : {}),
      ...(published !== undefined ? { published } : {}),
      at,
    };
  }
  if (v && typeof v === 'object') {
    const o = v as { target?: unknown; published?: unknown };
    const t = Number(o.target);
    const p = Number(o.published);
    return {
      ...(Number.isFinite(t) ? { target: t } : {}),
      ...(Number.isFinite(p) ? { published: p } : {}),
      at,
    };
  }
  return undefined;
}

/** Parse a compose file. Never throws. */
export function parseCompose(
  file: string,
  text: string,
): { input: ComposeInput; problems: ParseProblem[] } {
  const problems: ParseProblem[] = [];
  const services: ComposeService[] = [];
  const servers: AppServer[] = [];
  const { isMap, isScalar, LineCounter, parseDocument } = yaml();
  const lc = new LineCounter();
  const lineOf = lineOfText(text);
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter: lc, merge: true, uniqueKeys: false });
  } catch (e) {
    return {
      input: { file, servers, services },
      problems: [{ file, line: 1, col: 1, message: (e as Error).message }],
    };
  }
  for (const e of doc.errors) {
    const p = lc.linePos(e.pos[0]);
    problems.push({ file, line: p.line, col: p.col, message: e.message.split('\n')[0]! });
  }
  const loc = (offset: number | undefined): Loc => {
    const p = lc.linePos(offset ?? 0);
    return { file, line: p.line, col: p.col };
  };
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 1000 });
  } catch {
    js = undefined;
  }
  const root = doc.contents;
  const svcNode = isMap(root) ? (root as YAMLMap).get('services', true) : undefined;
  const svcJs = (js as { services?: Record<string, unknown> } | undefined)?.services;
  if (!isMap(svcNode) || !svcJs || typeof svcJs !== 'object')
    return { input: { file, servers, services }, problems };
  for (const pair of (svcNode as YAMLMap).items) {
    if (!isScalar(pair.key)) continue;
    const name = String((pair.key as Scalar).value);
    const at = loc((pair.key as Scalar).range?.[0]);
    const body = (svcJs[name] ?? {}) as Record<string, unknown>;
    const node = isMap(pair.value) ? (pair.value as YAMLMap) : undefined;
    /** Where a key of this service is written (its own line, or the service's when merged in). */
    const keyAt = (k: string): Loc => {
      const item = node?.items.find((p) => isScalar(p.key) && (p.key as Scalar).value === k);
      const v = item?.value as { range?: [number, number, number] } | undefined;
      return v?.range
        ? loc(v.range[0])
        : item && isScalar(item.key)
          ? loc((item.key as Scalar).range?.[0])
          : at;
    };
    /** The items of a sequence value, each with its own place. */
    const itemsAt = (k: string): Loc[] => {
      const item = node?.items.find((p) => isScalar(p.key) && (p.key as Scalar).value === k);
      const seq = item?.value as { items?: { range?: [number, number, number] }[] } | undefined;
      return (seq?.items ?? []).map((x) => (x.range ? loc(x.range[0]) : keyAt(k)));
    };
    const image = typeof body.image === 'string' ? body.image : undefined;
    const environment = new Map<string, Setting>();
    const envV = body.environment;
    const envAt = keyAt('environment');
    const envItems = itemsAt('environment');
    const envSet = (k: string, v: unknown, where: Loc) => {
      const s = v === null || v === undefined ? undefined : String(v);
      // a `${VAR}` in the value is compose's own substitution: unknown here
      environment.set(
        k,
        envSetting(where, s !== undefined && !/\$\{?[A-Za-z_]/.test(s) ? s : undefined, lineOf),
      );
    };
    if (Array.isArray(envV))
      envV.forEach((e, i) => {
        const m = /^([^=]+)=?(.*)$/s.exec(String(e));
        if (m) envSet(m[1]!, m[2], envItems[i] ?? envAt);
      });
    else if (envV && typeof envV === 'object') {
      const envNode = node?.items.find(
        (p) => isScalar(p.key) && (p.key as Scalar).value === 'environment',
      )?.value;
      for (const [k, v] of Object.entries(envV)) {
        const kn = isMap(envNode)
          ? (envNode as YAMLMap).items.find((p) => isScalar(p.key) && (p.key as Scalar).value === k)
          : undefined;
        envSet(k, v, kn && isScalar(kn.key) ? loc((kn.key as Scalar).range?.[0]) : envAt);
      }
    }
    const ports: ComposePort[] = [];
    const portItems = itemsAt('ports');
    if (Array.isArray(body.ports))
      body.ports.forEach((p, i) => {
        const x = parsePort(p, portItems[i] ?? keyAt('ports'));
        if (x) ports.push(x);
      });
    if (Array.isArray(body.expose))
      for (const p of body.expose) {
        const x = parsePort(typeof p === 'number' ? p : String(p), keyAt('expose'));
        if (x) ports.push(x);
      }
    const mounts: { source: string; target: string; at: Loc }[] = [];
    const volItems = itemsAt('volumes');
    if (Array.isArray(body.volumes))
      body.volumes.forEach((v, i) => {
        const where = volItems[i] ?? keyAt('volumes');
        if (typeof v === 'string') {
          const [source, target] = v.split(':');
          if (source && target && /^[./~$]/.test(source))
            mounts.push({ source, target, at: where });
        } else if (v && typeof v === 'object') {
          const o = v as { type?: unknown; source?: unknown; target?: unknown };
          if (o.type === 'bind' && typeof o.source === 'string' && typeof o.target === 'string')
            mounts.push({ source: o.source, target: o.target, at: where });
        }
      });
    // the command: entrypoint then command, as the container runs them
    const words: Word[] = [];
    for (const key of ['entrypoint', 'command']) {
      const v = body[key];
      const where = keyAt(key);
      if (typeof v === 'string') words.push(...shellWords(v, file, where.line, where.col));
      else if (Array.isArray(v)) {
        const its = itemsAt(key);
        v.forEach((w, i) => {
          const a = its[i] ?? where;
          words.push({ v: String(w), at: a, ...(/\$/.test(String(w)) ? { dynamic: true } : {}) });
        });
      }
    }
    for (const s of readCommands(words, lineOf, environment)) {
      s.names = [name];
      servers.push(s);
    }
    services.push({
      name,
      ...(image ? { image } : {}),
      at,
      ports,
      environment,
      mounts,
      ...(proxyOf(image) ? { proxy: proxyOf(image)! } : {}),
      command: words.map((w) => w.v),
    });
  }
  return { input: { file, servers, services }, problems };
}

/** Traefik's own forwarded headers: set from the connection unless told to trust the client's. */
function traefikWrites(s: ComposeService): { writes: HeaderWrite[]; unknown?: string } {
  if (s.command.some((c) => /forwardedHeaders\.(insecure|trustedIPs)/i.test(c)))
    return {
      writes: [],
      unknown: 'traefik keeps forwarded headers from the peers its forwardedHeaders options trust',
    };
  const at = s.at;
  return {
    writes: [
      'x-forwarded-for',
      'x-forwarded-proto',
      'x-forwarded-host',
      'x-forwarded-port',
      'x-real-ip',
    ].map((name) => ({
      name,
      action: 'set' as const,
      implicit: true,
      at,
    })),
  };
}

/** The hops a compose file shows: its app-server commands and its proxy services. */
export function composeModel(input: ComposeInput): HopModel[] {
  const hops: HopModel[] = input.servers.map((s) => serverModel(input.file, s));
  for (const s of input.services) {
    if (!s.proxy) continue;
    const listens: Listener[] = s.ports.map((p) => ({
      ...(p.target !== undefined ? { port: p.target } : {}),
      at: p.at,
    }));
    const unknowns = s.mounts.map(
      (m) => `${s.name}: configuration mounted from ${m.source} at ${m.target}`,
    );
    let writes: HeaderWrite[] = [];
    if (s.proxy === 'traefik') {
      const t = traefikWrites(s);
      writes = t.writes;
      if (t.unknown) unknowns.push(t.unknown);
    } else unknowns.push(`${s.name}: what ${s.proxy} writes is in its own configuration file`);
    hops.push({
      file: input.file,
      kind: 'compose',
      role: 'proxy',
      label: `${s.proxy} (compose service ${s.name})`,
      names: [s.name],
      listens,
      targets: [],
      writes,
      believes: [],
      unknowns,
    });
  }
  return hops;
}

/** The compose handler. */
export const composeHandler: KindHandler<ComposeInput> = {
  kind: 'compose',
  detect,
  parse(file, text) {
    const { input, problems } = parseCompose(file, text);
    const notes: string[] = [];
    for (const s of input.servers) for (const u of s.unknowns) notes.push(`${s.server}: ${u}`);
    return { input, problems, notes, files: [file], texts: new Map([[file, text]]) };
  },
  model: composeModel,
};
