// Differential test: parseHost + compileAllowedHosts against Django's own
// django.http.request.split_domain_port + validate_host (what HttpRequest.get_host runs).
// Django comes from Debian's python3-django, run by /usr/bin/python3 (the python3 on PATH
// may be another interpreter without Django). One Python process judges every case.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { compileAllowedHosts, parseHost } from '../../src/core/host.js';

const PYTHON = '/usr/bin/python3';

interface Case {
  readonly host: string;
  readonly patterns: readonly string[];
}
interface DjangoVerdict {
  readonly ok: boolean;
  readonly domain: string;
  readonly port: string;
}
interface OurVerdict {
  readonly ok: boolean;
  readonly hostname: string | undefined;
  readonly port: number | undefined;
}

function ours(c: Case): OurVerdict {
  const parsed = parseHost(c.host);
  if (parsed === undefined) return { ok: false, hostname: undefined, port: undefined };
  return {
    ok: compileAllowedHosts(c.patterns)(parsed.hostname),
    hostname: parsed.hostname,
    port: parsed.port,
  };
}

// ---- deliberate differences: Django accepts, we reject. Each has a named test below. ----

function hasEmptyLabel(domain: string): boolean {
  return (
    !domain.startsWith('[') &&
    (domain.startsWith('.') || domain.includes('..') || domain.endsWith('.'))
  );
}

interface Exception {
  readonly name: string;
  readonly reason: string;
  /** A case that shows the difference: Django accepts it, we reject it. */
  readonly example: Case;
  /** Does this exception explain a disagreement on this case (given Django's split)? */
  readonly explains: (c: Case, d: DjangoVerdict) => boolean;
}

const EXCEPTIONS: readonly Exception[] = [
  {
    name: 'port out of range (0 or above 65535)',
    reason:
      'Django does not check the port value; a port outside 1..65535 cannot be a real connection and is rejected (INVALID_PORT).',
    example: { host: 'example.com:99999', patterns: ['example.com'] },
    explains: (_c, d) =>
      /^[0-9]+$/.test(d.port) && (Number(d.port) === 0 || Number(d.port) > 65535),
  },
  {
    name: 'empty label (a..b, leading dot, two trailing dots)',
    reason:
      'Django\'s [a-z0-9.-]+ accepts empty labels, so ".example.com" as a Host matches the pattern ".example.com" exactly; RFC 3986/1034 names have no empty label and the issue demands rejecting them.',
    example: { host: '.example.com', patterns: ['.example.com'] },
    explains: (_c, d) => hasEmptyLabel(d.domain),
  },
  {
    name: 'invalid IPv6 literal',
    reason:
      'Django\'s \\[[a-f0-9]*:[a-f0-9.:]+\\] accepts any hex/colon/dot soup ("[:::::]", "[1:2]"); we validate RFC 4291 syntax.',
    example: { host: '[1:2]', patterns: ['*'] },
    explains: (_c, d) => d.domain.startsWith('[') && parseHost(d.domain) === undefined,
  },
  {
    name: 'trailing newline (Django 3.2 regex `$`)',
    reason:
      'Django 3.2 uses re.match with `$`, which also matches before a final "\\n", so "example.com:80\\n" passes; Django 5 switched to fullmatch. Control characters are never valid in a host.',
    example: { host: 'example.com:80\n', patterns: ['example.com'] },
    explains: (c) => c.host.endsWith('\n'),
  },
  {
    name: 'non-ASCII digits in the port (Django 3.2 `\\d`)',
    reason:
      'Django 3.2\'s (:\\d+) matches any Unicode decimal digit ("٨٠"); later Django uses [0-9]. A port is ASCII digits only.',
    example: { host: 'example.com:٨٠', patterns: ['example.com'] },
    explains: (_c, d) => /[^\x00-\x7f]/.test(d.port),
  },
  {
    name: 'non-ASCII that Python lower-cases to ASCII (Kelvin sign)',
    reason:
      'Python\'s str.lower() maps U+212A KELVIN SIGN to "k", so Django accepts "\\u212Aexample.com" as "kexample.com". A host is ASCII; we do not fold Unicode.',
    example: { host: '\u212Aexample.com', patterns: ['kexample.com'] },
    explains: (c) => c.host.includes('\u212A'),
  },
  {
    name: 'longer than 255 characters',
    reason:
      'Django has no length cap; we cap the whole value at 255 characters (DNS names are at most 253) to bound per-request work.',
    example: {
      host: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`,
      patterns: ['*'],
    },
    explains: (c) => c.host.length > 255,
  },
];

// ---- deterministic case generation ----

const SEED = 20240601;

const bases = ['example.com', 'example.org', 'localhost', 'test', 'a-b.example.net', 'com'];
const label = fc.stringMatching(/^[a-zA-Z0-9-]{1,8}$/);
const upperSome = (s: string, mask: number) =>
  [...s].map((ch, i) => ((mask >> (i % 16)) & 1 ? ch.toUpperCase() : ch)).join('');

/** A valid name, with the base domain it was built on (to correlate patterns with it). */
const validNameWithBase = fc
  .tuple(
    fc.array(label, { maxLength: 3 }),
    fc.constantFrom(...bases),
    fc.boolean(),
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    fc.nat(0xffff),
  )
  .map(([subs, base, dot, port, mask]): [string, string] => {
    const name = upperSome([...subs, base].join('.'), mask);
    return [`${name}${dot ? '.' : ''}${port === undefined ? '' : `:${port}`}`, base];
  });
const validName = validNameWithBase.map(([host]) => host);

const withPort = (a: fc.Arbitrary<string>) =>
  fc
    .tuple(
      a,
      fc.option(fc.constantFrom('80', '8000', '443', '0', '65535', '65536', '99999', '080', ''), {
        nil: undefined,
      }),
    )
    .map(([h, p]) => (p === undefined ? h : `${h}:${p}`));

const ipv4 = withPort(fc.ipV4());
const ipv6 = withPort(fc.ipV6().map((ip) => `[${ip.toUpperCase()}]`));
const ipv6Junk = withPort(
  fc
    .array(fc.constantFrom('0', '1', 'a', 'ffff', '12345', ':', '::', '.', '1.2.3.4', 'g'), {
      maxLength: 10,
    })
    .map((parts) => `[${parts.join('')}]`),
);
const junk = fc
  .array(
    fc.constantFrom(
      'a',
      'B',
      'x',
      '1',
      '.',
      '..',
      ':',
      '80',
      ':65536',
      ':0',
      '[',
      ']',
      '::1',
      '@',
      '#',
      '/',
      '\\',
      ' ',
      '\n',
      '\t',
      '\r',
      ',',
      '_',
      '%2e',
      'example.com',
      'evil.com',
      'é',
      '\u212a',
      '٨',
      '-',
      '*',
      '?',
      ';',
      '\u0000',
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((parts) => parts.join(''));
const tricky = fc.constantFrom(
  'evil.com#.example.com',
  'evil.com/.example.com',
  'evil.com?.example.com',
  'evil.com\\.example.com',
  'evil.com@example.com',
  'example.com.evil.com',
  'evilexample.com',
  'example.com..',
  '.example.com',
  'a..b.example.com',
  'example.com:',
  'example.com:80:80',
  'example.com,example.com',
  'example.com, evil.com',
  'EXAMPLE.COM.',
  '[::1]:8000',
  '[::1]',
  '[::1].',
  '[::1]:',
  '[fe80::1%25eth0]',
  '::1',
  '127.0.0.1:8000',
  '1.2.3.4.',
  'example.com\n',
  'example.com:80\n',
  'localhost:٨٠',
  'my_host.example.com',
  'xn--bcher-kva.example',
  '-',
  '.',
  '',
  `${'a'.repeat(300)}.com`,
);

const hostArb = fc.oneof(
  { weight: 10, arbitrary: validName },
  { weight: 2, arbitrary: ipv4 },
  { weight: 2, arbitrary: ipv6 },
  { weight: 2, arbitrary: ipv6Junk },
  { weight: 3, arbitrary: junk },
  { weight: 2, arbitrary: tricky },
);

const patternArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant('*') },
  { weight: 4, arbitrary: fc.constantFrom(...bases) },
  { weight: 6, arbitrary: fc.constantFrom(...bases.map((b) => `.${b}`)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(label, fc.constantFrom(...bases), fc.nat(0xffff))
      .map(([l, b, mask]) => upperSome(`${l}.${b}`, mask)),
  },
  { weight: 1, arbitrary: fc.constantFrom('[::1]', '127.0.0.1', '.EXAMPLE.COM', 'LocalHost') },
);
const patternsArb = fc.array(patternArb, { maxLength: 5 });

const explicitAgreements: readonly Case[] = [
  { host: '[::1]:8000', patterns: ['[::1]'] },
  { host: 'www.example.com.', patterns: ['.example.com'] },
  { host: 'example.com.evil.com', patterns: ['.example.com'] },
  { host: 'evilexample.com', patterns: ['.example.com'] },
  { host: 'evil.com#.example.com', patterns: ['.example.com', '*'] },
  { host: 'example.com:', patterns: ['*'] },
  { host: 'a.com,b.com', patterns: ['*'] },
  { host: 'user@example.com', patterns: ['*'] },
  { host: 'my_host.example.com', patterns: ['*'] },
  { host: 'EXAMPLE.com:443', patterns: ['Example.COM'] },
  { host: '', patterns: ['*'] },
];

/** Half independent (host, patterns), half with a pattern built on the host's own base domain. */
const caseArb: fc.Arbitrary<Case> = fc.oneof(
  fc.tuple(hostArb, patternsArb).map(([host, patterns]) => ({ host, patterns })),
  fc
    .tuple(validNameWithBase, patternsArb, fc.constantFrom('.', '', '*'), fc.nat(5))
    .map(([[host, base], patterns, kind, at]) => {
      const list = [...patterns];
      list.splice(at % (list.length + 1), 0, kind === '*' ? '*' : `${kind}${base}`);
      return { host, patterns: list };
    }),
);
const generated: Case[] = fc.sample(caseArb, { seed: SEED, numRuns: 600 });
const cases: Case[] = [...generated, ...explicitAgreements, ...EXCEPTIONS.map((e) => e.example)];

// ---- run Django once ----

const DJANGO_SCRIPT = `
import json, sys
try:
    import django
    from django.conf import settings
except ImportError as e:
    print("NO_DJANGO: %s" % e, file=sys.stderr)
    sys.exit(3)
settings.configure()
from django.http.request import split_domain_port, validate_host
with open(sys.argv[1], encoding="utf-8") as f:
    cases = json.load(f)
out = []
for c in cases:
    domain, port = split_domain_port(c["host"])
    ok = bool(domain) and validate_host(domain, c["patterns"])
    out.append({"ok": bool(ok), "domain": domain, "port": port})
json.dump({"version": django.get_version(), "verdicts": out}, sys.stdout, ensure_ascii=True)
`;

let django: { version: string; verdicts: DjangoVerdict[] } | undefined;
let tmp: string | undefined;

function setupHint(detail: string): string {
  const ci = process.env.CI === 'true';
  return (
    `Django is not importable by ${PYTHON} (${detail.trim()}). ` +
    `${ci ? 'In CI this differential test is required: ' : ''}run \`npm run setup\` ` +
    "(it installs Debian's python3-django). This test never skips."
  );
}

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'proxytrust-django-hosts-'));
  const file = join(tmp, 'cases.json');
  writeFileSync(file, JSON.stringify(cases));
  const r = spawnSync(PYTHON, ['-c', DJANGO_SCRIPT, file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(setupHint(r.error.message));
  if (r.status === 3) throw new Error(setupHint(r.stderr));
  if (r.status !== 0) throw new Error(`${PYTHON} failed (exit ${r.status}): ${r.stderr}`);
  django = JSON.parse(r.stdout);
  assert.equal(django?.verdicts.length, cases.length);
});

after(() => {
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

function verdict(c: Case): DjangoVerdict {
  assert.ok(django, 'Django verdicts missing');
  const i = cases.indexOf(c);
  assert.ok(i >= 0);
  return django.verdicts[i]!;
}

describe('differential: parseHost + compileAllowedHosts vs Django split_domain_port + validate_host', () => {
  it(`generates at least 300 deterministic cases, a real mix of accepted and rejected`, () => {
    assert.ok(generated.length >= 300);
    assert.deepEqual(fc.sample(caseArb, { seed: SEED, numRuns: 600 }), generated);
    for (const c of cases) compileAllowedHosts(c.patterns); // every generated list compiles
    const accepted = generated.filter((c) => verdict(c).ok).length;
    assert.ok(accepted >= generated.length * 0.2, `Django accepted only ${accepted}`);
    assert.ok(accepted <= generated.length * 0.8, `Django accepted ${accepted}`);
  });

  it('agrees with Django on every case, except the named deliberate exceptions', () => {
    let agree = 0;
    const explained = new Map<string, number>();
    const unexplained: string[] = [];
    for (const c of cases) {
      const d = verdict(c);
      const o = ours(c);
      if (d.ok === o.ok) {
        agree++;
        continue;
      }
      const exception = d.ok && !o.ok ? EXCEPTIONS.find((e) => e.explains(c, d)) : undefined;
      if (exception) {
        explained.set(exception.name, (explained.get(exception.name) ?? 0) + 1);
      } else {
        unexplained.push(
          `${JSON.stringify(c.host)} ${JSON.stringify(c.patterns)}: django=${d.ok} (${JSON.stringify(d.domain)}, ${JSON.stringify(d.port)}) ours=${o.ok}`,
        );
      }
    }
    const summary = [...explained].map(([n, k]) => `${n}: ${k}`).join('; ');
    process.stdout.write(
      `# Django ${django?.version}: ${cases.length} cases, ${agree} agree, ${cases.length - agree - unexplained.length} deliberate exceptions (${summary}), ${unexplained.length} unexplained\n`,
    );
    assert.deepEqual(unexplained, [], 'disagreements with Django not covered by an exception');
  });

  it('normalises the domain and port exactly as Django does when both accept', () => {
    let compared = 0;
    for (const c of cases) {
      const d = verdict(c);
      const o = ours(c);
      if (!(d.ok && o.ok)) continue;
      compared++;
      assert.equal(o.hostname, d.domain, JSON.stringify(c.host));
      assert.equal(o.port, d.port === '' ? undefined : Number(d.port), JSON.stringify(c.host));
    }
    assert.ok(compared >= 100, `only ${compared} accepted cases compared`);
  });

  it('never accepts a host that Django rejects', () => {
    const looser = cases.filter((c) => ours(c).ok && !verdict(c).ok);
    assert.deepEqual(
      looser.map((c) => c.host),
      [],
    );
  });
});

describe('deliberate exceptions: Django accepts, proxytrust rejects', () => {
  for (const e of EXCEPTIONS) {
    it(`${e.name}: ${e.reason}`, () => {
      const d = verdict(e.example);
      assert.equal(d.ok, true, `Django no longer accepts ${JSON.stringify(e.example.host)}`);
      assert.equal(ours(e.example).ok, false);
      assert.equal(e.explains(e.example, d), true);
      // and no other exception claims it: each example shows exactly one difference
      assert.deepEqual(
        EXCEPTIONS.filter((x) => x.explains(e.example, d)).map((x) => x.name),
        [e.name],
      );
    });
  }
});
