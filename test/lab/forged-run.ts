/**
 * Run the forged-request corpus through started entries: for each entry, entry point (http,
 * https) and app (proxytrust, naive), the baseline answer (the same request without the
 * forged part), then every case, compared field by field with the baseline.
 */
import {
  APP_MARK,
  type ForgedApp,
  NAIVE_VIEW_PATH,
  type ResolvedFields,
  startForgedApp,
  VIEW_PATH,
} from './forged-app.js';
import { type ForgedCase, forgedRequestText } from './forged-corpus.js';
import { type CorpusEntry, entryPolicy } from './forged-entries.js';
import type { Lab } from './harness.js';
import { rawExchange } from './raw.js';
import { type HopPorts, labCa, startHops } from './start.js';
import { APP_HOST, type Via } from './types.js';

/** The compared fields, in report order. */
export const FIELDS = [
  'scheme',
  'secure',
  'host',
  'port',
  'clientIp',
  'prefix',
  'hostAllowed',
] as const;

/** Which app answered. */
export type AppKind = 'proxytrust' | 'naive';

/** What one request came back as. */
export type Answer =
  | {
      readonly kind: 'view';
      readonly fields: ResolvedFields;
      /** The warning codes the app gave (none from the naive app). */
      readonly warnings: readonly string[];
    }
  /** The app answered, but not with a view (e.g. 400: the host is not allowed). */
  | { readonly kind: 'app-status'; readonly status: number }
  /** The proxy answered itself (refused, or did not route the request to the app). */
  | { readonly kind: 'proxy'; readonly status: number }
  /** No answer at all (the proxy closed the connection). */
  | { readonly kind: 'none'; readonly error: string };

/**
 * How a forged request came out against its baseline:
 * - `same`: every compared field as in the baseline (warnings allowed);
 * - `failed-closed`: a field left the baseline only for what the connection itself shows
 *   (client unknown, scheme http as the app's own socket, the port with it), with a
 *   warning: the forgery hid the proxy's information and the app said so;
 * - `changed`: anything else (a forged value believed, a proxy's address as the client, a
 *   refusal by the app that the baseline did not get);
 * - `refused`: the proxy answered itself or closed the connection (never reached the app).
 */
export type Verdict = 'same' | 'failed-closed' | 'changed' | 'refused';

/** One case through one entry point to one app. */
export interface CaseResult {
  readonly entry: string;
  readonly via: Via;
  readonly app: AppKind;
  readonly caseId: string;
  readonly group: string;
  readonly answer: Answer;
  /** The answer it is compared with (the baseline, or the case's own honest equivalent). */
  readonly baseline: Answer;
  /** The fields that differ from the baseline (empty when none; `status` when the app refused). */
  readonly changed: readonly string[];
  readonly verdict: Verdict;
}

/** A started entry. */
export interface RunningEntry {
  readonly entry: CorpusEntry;
  readonly app: ForgedApp;
  readonly ports: HopPorts;
}

/** Start the entry's app and proxies in `lab`. */
export async function startEntry(lab: Lab, entry: CorpusEntry): Promise<RunningEntry> {
  const app = await startForgedApp({
    policy: entryPolicy(entry),
    host: entry.ipv6 ? '::1' : '127.0.0.1',
  });
  lab.onTeardown(() => app.close());
  const [front] = await startHops(lab, entry.hops, app, { prefix: entry.name });
  return { entry, app, ports: front! };
}

async function ask(port: number, via: Via, ca: string, text: string): Promise<Answer> {
  try {
    const reply = await rawExchange(
      { port, ...(via === 'https' ? { tls: { servername: APP_HOST, ca } } : {}) },
      text,
    );
    const fromApp = reply.headers.some(([k]) => k === APP_MARK);
    if (!fromApp) return { kind: 'proxy', status: reply.status };
    if (reply.status !== 200) return { kind: 'app-status', status: reply.status };
    const raw = JSON.parse(reply.body) as Partial<ResolvedFields> & { warnings?: string[] };
    const fields = Object.fromEntries(FIELDS.map((f) => [f, raw[f] ?? undefined]));
    return {
      kind: 'view',
      fields: fields as unknown as ResolvedFields,
      warnings: raw.warnings ?? [],
    };
  } catch (e) {
    return { kind: 'none', error: (e as Error).message };
  }
}

/** The fields of `a` that differ from the baseline `b` (a view). */
export function changedFields(b: Answer, a: Answer): string[] {
  if (b.kind !== 'view') throw new Error(`baseline is not a view: ${JSON.stringify(b)}`);
  if (a.kind === 'proxy' || a.kind === 'none') return [];
  if (a.kind === 'app-status') return [`status ${a.status}`];
  return FIELDS.filter((f) => a.fields[f] !== b.fields[f]);
}

/** What the app's own connection shows, field by field: where failing closed lands. */
function isConnectionValue(field: string, value: unknown, appPort: number): boolean {
  switch (field) {
    case 'clientIp':
      return value === undefined;
    case 'scheme':
      return value === 'http';
    case 'secure':
      return value === false;
    case 'port':
      return value === 80 || value === appPort;
    default:
      return false;
  }
}

/** Judge `answer` against `base` (see {@link Verdict}). */
export function judge(
  base: Answer,
  answer: Answer,
  appPort: number,
): { changed: string[]; verdict: Verdict } {
  if (answer.kind === 'proxy' || answer.kind === 'none') return { changed: [], verdict: 'refused' };
  const changed = changedFields(base, answer);
  if (changed.length === 0) return { changed, verdict: 'same' };
  const closed =
    answer.kind === 'view' &&
    answer.warnings.length > 0 &&
    changed.every((f) => isConnectionValue(f, answer.fields[f as keyof ResolvedFields], appPort));
  return { changed, verdict: closed ? 'failed-closed' : 'changed' };
}

/** Run `tasks` with at most `n` at once. */
async function pool<T>(n: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]!();
      }
    }),
  );
  return out;
}

/** The baselines of every entry point, for both apps: `${entry}/${via}/${app}`. */
export type Baselines = Map<string, Answer>;

const PATHS: Record<AppKind, string> = { proxytrust: VIEW_PATH, naive: NAIVE_VIEW_PATH };

/**
 * Send the baseline and every case through every entry point of every entry, to both apps,
 * `concurrency` requests at a time.
 */
export async function runCorpus(
  entries: readonly RunningEntry[],
  cases: readonly ForgedCase[],
  concurrency = 8,
): Promise<{ baselines: Baselines; results: CaseResult[] }> {
  const ca = (await labCa()).cert;
  const points = entries.flatMap((e) =>
    (['http', 'https'] as const).flatMap((via) =>
      (['proxytrust', 'naive'] as const).map((app) => ({
        e,
        via,
        app,
        port: via === 'https' ? e.ports.https : e.ports.http,
      })),
    ),
  );
  const baselines: Baselines = new Map();
  await pool(
    concurrency,
    points.map((p) => async () => {
      const answer = await ask(p.port, p.via, ca, forgedRequestText(PATHS[p.app]));
      baselines.set(`${p.e.entry.name}/${p.via}/${p.app}`, answer);
    }),
  );
  const results = await pool(
    concurrency,
    points.flatMap((p) =>
      cases.map((c) => async (): Promise<CaseResult> => {
        const path = PATHS[p.app];
        const answer = await ask(p.port, p.via, ca, forgedRequestText(path, c.build(p.via)));
        const plain = baselines.get(`${p.e.entry.name}/${p.via}/${p.app}`)!;
        const own = c.baseline?.(p.via);
        // With an honest equivalent of its own (absolute-form), the case may resolve like it
        // or like the plain baseline: proxies differ on whether the target's authority or
        // the Host header wins, and neither is forged information.
        const candidates = own
          ? [await ask(p.port, p.via, ca, forgedRequestText(path, own)), plain]
          : [plain];
        for (const b of candidates) {
          if (b.kind !== 'view') {
            throw new Error(
              `${p.e.entry.name} ${p.via} ${p.app} ${c.id}: the honest request got no view: ${JSON.stringify(b)}`,
            );
          }
        }
        const judged = candidates.map((b) => ({ base: b, ...judge(b, answer, p.e.app.port) }));
        const best = judged.find((j) => j.verdict === 'same') ?? judged[0]!;
        return {
          entry: p.e.entry.name,
          via: p.via,
          app: p.app,
          caseId: c.id,
          group: c.group,
          answer,
          baseline: best.base,
          changed: best.changed,
          verdict: best.verdict,
        };
      }),
    ),
  );
  return { baselines, results };
}

/** One line per changed result, for failure messages and the report. */
export function describe(r: CaseResult): string {
  const base = r.baseline;
  const show = (a: Answer | undefined) =>
    a === undefined
      ? '?'
      : a.kind === 'view'
        ? FIELDS.map((f) => `${f}=${String(a.fields[f])}`).join(' ')
        : a.kind === 'none'
          ? `no answer (${a.error})`
          : `${a.kind} ${a.status}`;
  const warned =
    r.answer.kind === 'view' && r.answer.warnings.length ? ` [${r.answer.warnings.join(',')}]` : '';
  return `${r.entry} ${r.via} ${r.app} ${r.caseId}: ${r.verdict} ${r.changed.join(',')} | baseline ${show(base)} | forged ${show(r.answer)}${warned}`;
}
