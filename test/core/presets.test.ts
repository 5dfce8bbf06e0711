import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RANGES } from '../../src/core/presets/data.js';
import {
  FORWARDED_HEADER_NAMES,
  getPreset,
  HEADER_FAMILIES,
  PRESET_NAMES,
  PRESETS,
} from '../../src/core/presets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'refresh-presets.mjs');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'presets');

// ---- a small strict CIDR validator, independent of the code under test ----------------------

/** Parse a strict CIDR; returns [version, value, prefix] or undefined. Canonical text only. */
function strictCidr(text: string): [4 | 6, bigint, number] | undefined {
  const m = /^([^/]+)\/(0|[1-9]\d{0,2})$/.exec(text);
  if (!m) return undefined;
  const addr = m[1]!;
  const prefix = Number(m[2]);
  let version: 4 | 6;
  let value = 0n;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(addr)) {
    version = 4;
    for (const part of addr.split('.')) {
      if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
      value = (value << 8n) | BigInt(part);
    }
  } else if (/^[0-9a-f:]+$/.test(addr)) {
    version = 6;
    const halves = addr.split('::');
    if (halves.length > 2) return undefined;
    const head = halves[0] === '' ? [] : halves[0]!.split(':');
    const tail = halves.length === 2 && halves[1] !== '' ? halves[1]!.split(':') : [];
    const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
    if (halves.length === 2 ? fill < 1 : head.length !== 8) return undefined;
    const words = [...head, ...Array<string>(fill).fill('0'), ...tail];
    for (const w of words) {
      if (!/^[0-9a-f]{1,4}$/.test(w) || (w.length > 1 && w.startsWith('0'))) return undefined;
      value = (value << 16n) | BigInt(`0x${w}`);
    }
  } else {
    return undefined;
  }
  const max = version === 4 ? 32 : 128;
  if (prefix > max) return undefined;
  const host = BigInt(max - prefix);
  if (host > 0n && (value & ((1n << host) - 1n)) !== 0n) return undefined;
  return [version, value, prefix];
}

function isIsoDateNotInFuture(d: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return false;
  const t = Date.parse(`${d}T00:00:00Z`);
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== d) return false;
  return t <= Date.now();
}

/** Sorted numerically within each family: IPv4 then IPv6, as the refresh script writes them. */
function isSortedNumerically(list: readonly string[]): boolean {
  const parsed = list.map((c) => strictCidr(c)!);
  for (let i = 1; i < parsed.length; i++) {
    const [va, a, pa] = parsed[i - 1]!;
    const [vb, b, pb] = parsed[i]!;
    if (va !== vb) continue;
    if (a > b || (a === b && pa >= pb)) return false;
  }
  return true;
}

describe('strict CIDR validator (test helper)', () => {
  test('accepts canonical CIDRs and rejects sloppy ones', () => {
    for (const ok of ['10.0.0.0/8', '0.0.0.0/0', '2400:cb00::/32', '2a06:98c0::/29', '::/0']) {
      assert.ok(strictCidr(ok), ok);
    }
    for (const bad of [
      '10.0.0.1/8',
      '10.0.0.0',
      '10.0.0.0/33',
      '010.0.0.0/8',
      '10.0.0.0/08',
      '256.0.0.0/8',
      '2400:CB00::/32',
      '2400:cb00::1/32',
      '2400:cb00::/129',
      '1::2::3/64',
      '<html>/1',
      '',
    ]) {
      assert.equal(strictCidr(bad), undefined, bad);
    }
  });
});

// ---- the presets -----------------------------------------------------------------------------

describe('presets', () => {
  test('the required presets exist', () => {
    for (const name of [
      'cloudfront',
      'cloudflare',
      'aws-alb',
      'nginx',
      'ingress-nginx',
      'heroku',
      'fly',
    ]) {
      assert.ok(PRESET_NAMES.includes(name), name);
      assert.equal(PRESETS[name]?.name, name);
    }
    assert.deepEqual([...PRESET_NAMES].sort(), Object.keys(PRESETS).sort());
  });

  for (const name of PRESET_NAMES) {
    const p = PRESETS[name]!;
    test(`${name}: ranges are strict CIDRs without duplicates`, () => {
      for (const r of p.ranges) assert.ok(strictCidr(r), `${name}: invalid CIDR ${r}`);
      assert.equal(new Set(p.ranges).size, p.ranges.length, `${name}: duplicate ranges`);
      assert.ok(isSortedNumerically(p.ranges), `${name}: ranges not sorted`);
    });

    test(`${name}: date, headers, sources and notes are well formed`, () => {
      assert.ok(isIsoDateNotInFuture(p.updated), `${name}: bad date ${p.updated}`);
      assert.ok(p.headers.length > 0);
      for (const h of p.headers) assert.ok(FORWARDED_HEADER_NAMES.includes(h), `${name}: ${h}`);
      assert.equal(new Set(p.headers).size, p.headers.length);
      assert.ok(p.sources.length > 0);
      for (const s of p.sources) assert.match(s, /^https:\/\/\S+$/);
      assert.ok(p.notes.length > 0);
      assert.match(p.description, /\S/);
      assert.equal(p.name, name.toLowerCase());
    });

    test(`${name}: is frozen`, () => {
      assert.ok(Object.isFrozen(p));
      assert.ok(Object.isFrozen(p.ranges));
      assert.ok(Object.isFrozen(p.headers));
      assert.throws(() => (p.ranges as string[]).push('10.0.0.0/8'), TypeError);
    });
  }

  test('range-less presets publish no ranges; the CDNs do', () => {
    for (const name of ['aws-alb', 'nginx', 'ingress-nginx', 'heroku', 'fly']) {
      assert.deepEqual(getPreset(name)?.ranges, [], name);
    }
    assert.ok(getPreset('cloudflare')!.ranges.length >= 10);
    assert.ok(getPreset('cloudfront')!.ranges.length >= 10);
  });

  test('each preset names exactly the headers its provider writes (checked against its docs)', () => {
    const hs = (n: string): string[] => [...getPreset(n)!.headers].sort();
    // Cloudflare: CF-Connecting-IP, CF-Visitor, X-Forwarded-Proto, and appends to XFF.
    assert.deepEqual(hs('cloudflare'), [
      'cf-connecting-ip',
      'cf-visitor',
      'x-forwarded-for',
      'x-forwarded-proto',
    ]);
    // CloudFront: XFF always; CloudFront-Forwarded-Proto/-Viewer-Address when the origin
    // request policy includes them; no X-Forwarded-Proto.
    assert.deepEqual(hs('cloudfront'), [
      'cloudfront-forwarded-proto',
      'cloudfront-viewer-address',
      'x-forwarded-for',
    ]);
    // ALB and Heroku: X-Forwarded-For, -Proto and -Port; no X-Forwarded-Host.
    assert.deepEqual(hs('aws-alb'), ['x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto']);
    assert.deepEqual(hs('heroku'), ['x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto']);
    // nginx with Debian's proxy_params: X-Real-IP, X-Forwarded-For, X-Forwarded-Proto.
    assert.deepEqual(hs('nginx'), ['x-forwarded-for', 'x-forwarded-proto', 'x-real-ip']);
    // ingress-nginx's template also sets X-Forwarded-Host and -Port.
    assert.deepEqual(hs('ingress-nginx'), [
      'x-forwarded-for',
      'x-forwarded-host',
      'x-forwarded-port',
      'x-forwarded-proto',
      'x-real-ip',
    ]);
    assert.deepEqual(hs('fly'), [
      'fly-client-ip',
      'x-forwarded-for',
      'x-forwarded-proto',
      'x-forwarded-ssl',
    ]);
  });

  test('the CDN presets are exactly the generated data', () => {
    assert.deepEqual(getPreset('cloudflare')!.ranges, [
      ...RANGES.cloudflare.v4,
      ...RANGES.cloudflare.v6,
    ]);
    assert.deepEqual(getPreset('cloudfront')!.ranges, [
      ...RANGES.cloudfront.v4,
      ...RANGES.cloudfront.v6,
    ]);
    assert.equal(getPreset('cloudflare')!.updated, RANGES.cloudflare.updated);
    assert.equal(getPreset('cloudfront')!.updated, RANGES.cloudfront.updated);
    for (const key of ['cloudflare', 'cloudfront'] as const) {
      for (const c of RANGES[key].v4) assert.equal(strictCidr(c)?.[0], 4, c);
      for (const c of RANGES[key].v6) assert.equal(strictCidr(c)?.[0], 6, c);
      assert.ok(RANGES[key].provenance.length > 0);
    }
    assert.deepEqual(RANGES.cloudfront.sources, ['https://ip-ranges.amazonaws.com/ip-ranges.json']);
  });

  test('cloudflare data: the published edge ranges', () => {
    const r = getPreset('cloudflare')!.ranges;
    for (const c of ['173.245.48.0/20', '104.16.0.0/13', '2400:cb00::/32', '2606:4700::/32']) {
      assert.ok(r.includes(c), c);
    }
  });

  test('cloudfront data: origin-facing ranges, not the viewer-facing CLOUDFRONT list', () => {
    const r = getPreset('cloudfront')!.ranges;
    for (const c of ['130.176.0.0/18', '15.158.0.0/16', '64.252.64.0/18']) {
      assert.ok(r.includes(c), c);
    }
    // Viewer-facing only (service CLOUDFRONT): edges that clients connect to.
    for (const c of ['13.32.0.0/15', '54.192.0.0/16', '99.86.0.0/16']) {
      assert.ok(!r.includes(c), c);
    }
  });

  test('HEADER_FAMILIES is the exact union, frozen', () => {
    assert.deepEqual(
      [...HEADER_FAMILIES].sort(),
      [
        'cloudflare',
        'cloudfront',
        'fly',
        'forwarded',
        'true-client-ip',
        'x-forwarded',
        'ssl-flags',
        'x-forwarded-protocol',
        'x-real-ip',
        'x-url-scheme',
      ].sort(),
    );
    assert.ok(Object.isFrozen(HEADER_FAMILIES));
  });

  test('getPreset is case-insensitive and undefined for unknown names', () => {
    assert.equal(getPreset('CloudFlare'), PRESETS.cloudflare);
    assert.equal(getPreset('AWS-ALB'), PRESETS['aws-alb']);
    assert.equal(getPreset('Ingress-Nginx'), PRESETS['ingress-nginx']);
    assert.equal(getPreset('akamai'), undefined);
    assert.equal(getPreset(''), undefined);
    assert.equal(getPreset('cloudflare2'), undefined);
    for (const inherited of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      assert.equal(getPreset(inherited), undefined, inherited);
    }
    assert.equal(getPreset(42 as unknown as string), undefined);
  });
});

// ---- the refresh script ----------------------------------------------------------------------

describe('scripts/refresh-presets.mjs', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'proxytrust-presets-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const run = (...args: string[]) =>
    spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 30_000 });

  test('--from-dir writes exactly the expected ranges to --out', async () => {
    const out = join(tmp, 'data-valid.ts');
    const r = run('--from-dir', join(FIXTURES, 'valid'), '--out', out, '--date', '2026-11-01');
    assert.equal(r.status, 0, r.stderr);
    const mod = (await import(
      pathToFileURL(out).href
    )) as typeof import('../../src/core/presets/data.js');
    assert.deepEqual(mod.RANGES.cloudfront.v4, [
      '3.29.57.0/26',
      '15.158.0.0/16',
      '130.176.0.0/18',
      '130.176.88.0/21',
    ]);
    // Canonicalised (lower case, compressed) and sorted; other services ignored.
    assert.deepEqual(mod.RANGES.cloudfront.v6, [
      '2406:da11:438:2300::/56',
      '2600:9000:1000::/36',
      '2600:9000:6000::/36',
    ]);
    assert.deepEqual(mod.RANGES.cloudflare.v4, [
      '103.21.244.0/22',
      '104.16.0.0/13',
      '173.245.48.0/20',
    ]);
    assert.deepEqual(mod.RANGES.cloudflare.v6, [
      '2400:cb00::/32',
      '2606:4700::/32',
      '2a06:98c0::/29',
    ]);
    assert.equal(mod.RANGES.cloudfront.updated, '2026-11-01');
    assert.equal(mod.RANGES.cloudflare.updated, '2026-11-01');
    assert.deepEqual(mod.RANGES.cloudflare.sources, [
      'https://www.cloudflare.com/ips-v4',
      'https://www.cloudflare.com/ips-v6',
    ]);
    assert.ok(mod.RANGES.cloudfront.provenance.includes('createDate 2023-11-14-22-13-20'));
    const text = readFileSync(out, 'utf8');
    assert.match(text, /^\/\/ generated by scripts\/refresh-presets\.mjs/);
  });

  test('the date defaults to today (UTC)', async () => {
    const out = join(tmp, 'data-today.ts');
    const before = new Date().toISOString().slice(0, 10);
    const r = run('--from-dir', join(FIXTURES, 'valid'), '--out', out);
    const afterDay = new Date().toISOString().slice(0, 10);
    assert.equal(r.status, 0, r.stderr);
    const mod = (await import(
      pathToFileURL(out).href
    )) as typeof import('../../src/core/presets/data.js');
    assert.ok([before, afterDay].includes(mod.RANGES.cloudflare.updated));
  });

  test('rejects an invalid CIDR with a clear error, non-zero exit, and writes nothing', () => {
    const out = join(tmp, 'data-bad.ts');
    const r = run('--from-dir', join(FIXTURES, 'bad-cidr'), '--out', out);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /invalid CIDR "3\.29\.57\.1\/26"/);
    assert.match(r.stderr, /bits set beyond \/26/);
    assert.match(r.stderr, /ip-ranges\.json/);
    assert.throws(() => readFileSync(out), { code: 'ENOENT' });
  });

  test('rejects an HTML error page served instead of a list', () => {
    const out = join(tmp, 'data-html.ts');
    const r = run('--from-dir', join(FIXTURES, 'html-404'), '--out', out);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /ips-v4: invalid CIDR/);
    assert.match(r.stderr, /error page/);
    assert.throws(() => readFileSync(out), { code: 'ENOENT' });
  });

  test('--check exits 0 when the ranges match and 1 when they would change', () => {
    const out = join(tmp, 'data-check.ts');
    assert.equal(run('--from-dir', join(FIXTURES, 'valid'), '--out', out).status, 0);
    const written = readFileSync(out, 'utf8');
    const same = run('--from-dir', join(FIXTURES, 'valid'), '--out', out, '--check');
    assert.equal(same.status, 0, same.stdout + same.stderr);
    assert.equal(readFileSync(out, 'utf8'), written);

    // Drop one range from the file: the check must notice, and must not rewrite the file.
    const edited = written.replace(", '2600:9000:6000::/36'", '');
    assert.notEqual(edited, written);
    writeFileSync(out, edited);
    const changed = run('--from-dir', join(FIXTURES, 'valid'), '--out', out, '--check');
    assert.equal(changed.status, 1, changed.stdout + changed.stderr);
    assert.match(changed.stdout, /\+ cloudfront v6 2600:9000:6000::\/36/);
    assert.equal(readFileSync(out, 'utf8'), edited);
  });

  test('the shipped data file is in the format the script writes', () => {
    // --check parses the committed file; it fails (exit 1, "not written by this script")
    // if the format drifts. The fixture ranges differ, so a diff (exit 1) is expected,
    // but it must be a range diff, not a parse failure.
    const r = run('--from-dir', join(FIXTURES, 'valid'), '--check');
    assert.equal(r.status, 1);
    assert.doesNotMatch(r.stdout, /not written by this script/);
    assert.match(r.stdout, /- cloudflare v4 198\.41\.128\.0\/17/);
  });

  test('usage errors exit 2', () => {
    assert.equal(run('--nope').status, 2);
    assert.equal(run('--date', '2026-02-30', '--from-dir', FIXTURES).status, 2);
    assert.equal(run('--out').status, 2);
  });
});
