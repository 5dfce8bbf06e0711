/**
 * What the lab asserts for a Node scenario, and what it records for the docs:
 *
 * 1. An honest request through each entry: the probe's view equals the truth (or the
 *    ground truth's documented difference), with exactly the expected warning codes.
 * 2. Plain requests behave as the ground truth says (redirect, health check, page).
 * 3. Every spoof attempt through each entry changes nothing, except the leaks the ground
 *    truth lists for a wrong proxy, which must change exactly what they say.
 * 4. The same spoofs sent straight to the app (bypassing the proxies) change nothing.
 * 5. What the naive Express app believed, for the same requests, is recorded.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probe, request, tryProbe } from './client.js';
import { HEALTH_PATH, NAIVE_PREFIX, type NaiveBelief, type ProbeAnswer } from './node-app.js';
import type { ScenarioHandle } from './start.js';
import {
  APP_HOST,
  CLIENT_ADDRESS,
  type GroundTruth,
  HOP_ADDRESSES,
  SPOOF_ATTEMPTS,
  SPOOFED,
  type SpoofAttempt,
  type Via,
  type ViewFacts,
} from './types.js';

/** The header lines a spoof attempt sends through the `via` entry (claiming the other scheme). */
export function spoofHeaders(attempt: SpoofAttempt, via: Via): [string, string][] {
  const other = via === 'https' ? 'http' : 'https';
  const ip = SPOOFED.ip;
  switch (attempt) {
    case 'x-forwarded-proto':
      return [['X-Forwarded-Proto', other]];
    case 'x-forwarded-host':
      return [['X-Forwarded-Host', SPOOFED.host]];
    case 'x-forwarded-port':
      return [['X-Forwarded-Port', String(SPOOFED.port)]];
    case 'x-forwarded-for':
      // A forged client plus a forged "trusted proxy" entry.
      return [['X-Forwarded-For', `${ip}, ${HOP_ADDRESSES.edge}`]];
    case 'forwarded':
      return [['Forwarded', `for=${ip};proto=${other};host=${SPOOFED.host}`]];
    case 'vendor':
      return [
        ['CloudFront-Forwarded-Proto', other],
        ['CloudFront-Viewer-Address', `${ip}:4711`],
        ['CF-Visitor', `{"scheme":"${other}"}`],
        ['CF-Connecting-IP', ip],
        ['True-Client-IP', ip],
        ['Fly-Client-IP', ip],
        ['X-Real-IP', ip],
        ['X-Forwarded-Ssl', other === 'https' ? 'on' : 'off'],
        ['Front-End-Https', other === 'https' ? 'on' : 'off'],
        ['X-Forwarded-Protocol', other],
        ['X-Url-Scheme', other],
      ];
  }
}

/** The four compared fields of a probe answer. */
export function factsOf(a: ProbeAnswer): ViewFacts {
  return {
    scheme: a.view.scheme,
    host: a.view.host,
    port: a.view.port,
    clientIp: a.view.clientIp,
  };
}

/** One recorded request: what proxytrust resolved and what the naive app believed. */
export interface RecordedRow {
  readonly via: Via | 'direct';
  readonly attempt: SpoofAttempt | 'honest';
  readonly truth: ViewFacts;
  /** What proxytrust resolved, or the status it refused the request with. */
  readonly proxytrust: ViewFacts | { readonly refused: number };
  readonly warnings: readonly string[];
  readonly naive: NaiveBelief;
}

/** What a scenario run recorded (written for docs/lab.md). */
export interface ScenarioRecord {
  readonly name: string;
  readonly summary: string;
  readonly correct: boolean;
  readonly rows: readonly RecordedRow[];
}

/** Where records are written: $PROXYTRUST_LAB_RESULTS, else <tmp>/proxytrust-lab-results. */
export const RESULTS_DIR =
  process.env.PROXYTRUST_LAB_RESULTS ?? join(tmpdir(), 'proxytrust-lab-results');

async function naive(
  h: ScenarioHandle,
  origin: string,
  connect: { host: string; port: number },
  headers: readonly (readonly [string, string])[],
): Promise<NaiveBelief> {
  const res = await request({ url: `${origin}${NAIVE_PREFIX}/`, connect, headers, ca: h.ca });
  assert.equal(res.status, 200, `naive app answered ${res.status}: ${res.body}`);
  return JSON.parse(res.body) as NaiveBelief;
}

/** The warning codes an honest request through `via` must carry, sorted. */
export function honestWarnings(gt: GroundTruth, via: Via): string[] {
  const w = gt.honestWarnings;
  const list =
    w === undefined ? [] : Array.isArray(w) ? w : ((w as Record<Via, string[]>)[via] ?? []);
  return [...list].sort();
}

function codes(a: ProbeAnswer): string[] {
  return [...new Set(a.warnings.map((w) => w.code))].sort();
}

/** Run every assertion of a Node scenario; returns what was recorded. */
export async function checkNodeScenario(h: ScenarioHandle): Promise<ScenarioRecord> {
  const gt = h.groundTruth;
  const secret = h.probeSecret;
  assert.ok(secret, `${h.name} is not a Node scenario`);
  const rows: RecordedRow[] = [];
  const entries: { via: Via; origin: string }[] = [];
  if (h.httpsUrl) entries.push({ via: 'https', origin: h.httpsUrl });
  if (h.httpUrl) entries.push({ via: 'http', origin: h.httpUrl });

  // 1 + 3 + 5: honest and spoofed requests through each entry.
  await Promise.all(
    entries.map(async ({ via, origin }) => {
      const connect = h.connect(via);
      const truth = h.truth(via, CLIENT_ADDRESS);
      const differs = (gt.resolvedDiffers ?? []).find((d) => d.via === via);
      const expected: ViewFacts = { ...truth, ...differs?.resolves };
      const honest = await probe({ origin, connect, secret, ca: h.ca });
      assert.deepEqual(
        factsOf(honest),
        expected,
        `${h.name}: honest request via ${via}: proxytrust resolved ${JSON.stringify(factsOf(honest))}, ground truth ${JSON.stringify(expected)}; forwarded ${JSON.stringify(honest.forwarded)}`,
      );
      assert.deepEqual(
        codes(honest),
        honestWarnings(gt, via),
        `${h.name}: warnings of an honest request via ${via}: ${JSON.stringify(honest.warnings)}`,
      );
      rows.push({
        via,
        attempt: 'honest',
        truth,
        proxytrust: factsOf(honest),
        warnings: codes(honest),
        naive: await naive(h, origin, connect, []),
      });
      await Promise.all(
        SPOOF_ATTEMPTS.map(async (attempt) => {
          const headers = spoofHeaders(attempt, via);
          const leak = gt.leaks.find((l) => l.via === via && l.attempt === attempt);
          const r = await tryProbe({ origin, connect, secret, ca: h.ca, headers });
          if (leak?.refused !== undefined) {
            assert.equal(
              r.status,
              leak.refused,
              `${h.name}: spoof ${attempt} via ${via} should be refused with ${leak.refused}: ${r.status} ${r.body.slice(0, 200)}`,
            );
            rows.push({
              via,
              attempt,
              truth,
              proxytrust: { refused: r.status },
              warnings: [],
              naive: await naive(h, origin, connect, headers),
            });
            return;
          }
          assert.ok(
            r.answer,
            `${h.name}: spoof ${attempt} via ${via}: probe answered ${r.status}: ${r.body.slice(0, 200)}`,
          );
          const got = r.answer;
          const want: ViewFacts = { ...expected, ...leak?.resolves };
          assert.deepEqual(
            factsOf(got),
            want,
            `${h.name}: spoof ${attempt} via ${via} ${leak ? 'should leak exactly as the ground truth says' : 'changed the resolved view'}: got ${JSON.stringify(factsOf(got))}, want ${JSON.stringify(want)}; the app received ${JSON.stringify(got.forwarded)}`,
          );
          rows.push({
            via,
            attempt,
            truth,
            proxytrust: factsOf(got),
            warnings: codes(got),
            naive: await naive(h, origin, connect, headers),
          });
        }),
      );
    }),
  );

  // 2: behaviour of plain requests.
  const b = gt.behaviour;
  const statusOf = async (via: Via, path: string) =>
    (
      await request({
        url: `${via === 'https' ? h.httpsUrl : h.httpUrl}${path}`,
        connect: h.connect(via),
        ca: h.ca,
      })
    ).status;
  if (b.httpRoot !== undefined)
    assert.equal(await statusOf('http', '/'), b.httpRoot, 'GET / over http');
  if (b.httpHealth !== undefined) {
    assert.equal(await statusOf('http', HEALTH_PATH), b.httpHealth, `GET ${HEALTH_PATH} over http`);
  }
  if (b.httpsRoot !== undefined)
    assert.equal(await statusOf('https', '/'), b.httpsRoot, 'GET / over https');

  // 4: straight to the app, bypassing every proxy: the peer is not trusted.
  if (!h.app.host.includes(':')) {
    const origin = `http://${APP_HOST}`;
    const connect = { host: h.app.host, port: h.app.port };
    const truth: ViewFacts = { scheme: 'http', host: APP_HOST, port: 80, clientIp: CLIENT_ADDRESS };
    await Promise.all(
      SPOOF_ATTEMPTS.map(async (attempt) => {
        const headers = spoofHeaders(attempt, 'http');
        const got = await probe({ origin, connect, secret, headers });
        assert.deepEqual(
          factsOf(got),
          truth,
          `${h.name}: direct spoof ${attempt} changed the view`,
        );
        assert.ok(
          codes(got).includes('UNTRUSTED_FORWARDED'),
          `${h.name}: direct spoof ${attempt} not reported: ${JSON.stringify(got.warnings)}`,
        );
        rows.push({
          via: 'direct',
          attempt,
          truth,
          proxytrust: factsOf(got),
          warnings: codes(got),
          naive: await naive(h, origin, connect, headers),
        });
      }),
    );
  }

  const order = (r: RecordedRow) =>
    `${['https', 'http', 'direct'].indexOf(r.via)}${['honest', ...SPOOF_ATTEMPTS]
      .indexOf(r.attempt)
      .toString()
      .padStart(2, '0')}`;
  rows.sort((x, y) => order(x).localeCompare(order(y)));
  const record: ScenarioRecord = {
    name: h.name,
    summary: h.scenario.summary,
    correct: h.scenario.correct,
    rows,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${h.name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}
