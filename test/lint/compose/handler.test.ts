/**
 * Docker Compose files: services, ports, commands (string and list, read by the app-server
 * command reader), environment (FORWARDED_ALLOW_IPS), proxy images with their mounted
 * configuration, and the hops the cross-file rules read. Compose wins over ingress-nginx.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { composeHandler } from '../../../src/lint/compose/handler.js';
import { detectKind, lintText } from '../../../src/lint/engine.js';
import type { HopModel } from '../../../src/lint/model.js';

const parse = (text: string) => composeHandler.parse('compose.yaml', text, { noIncludes: true });

const COMPOSE = `services:
  proxy:
    image: nginx:1.27-alpine
    ports:
      - "80:80"
      - target: 443
        published: 8443
    volumes:
      - ./nginx/site.conf:/etc/nginx/conf.d/default.conf:ro
      - static:/srv/static
  web:
    build: .
    command: gunicorn proj.wsgi --bind 0.0.0.0:8000 --forwarded-allow-ips="*"
    expose: ["8000"]
  api:
    image: python:3.12
    command: ["uvicorn", "api:app", "--host", "0.0.0.0", "--port", "9000"]
    environment:
      FORWARDED_ALLOW_IPS: 172.18.0.2
  worker:
    image: python:3.12
    command: celery -A proj worker
  edge:
    image: traefik:v3.1
    command:
      - --entrypoints.web.address=:80
volumes:
  static:
`;

describe('compose', () => {
  test('detected by name and content, before ingress-nginx', () => {
    assert.equal(detectKind('deploy/docker-compose.prod.yml', COMPOSE), 'compose');
    assert.equal(detectKind('stack.yaml', COMPOSE), 'compose');
    assert.equal(composeHandler.detect('k8s/deploy.yaml', 'kind: Deployment\nspec: {}\n'), 0);
    assert.equal(composeHandler.detect('compose.json', COMPOSE), 0);
  });

  test('services, ports, mounts, commands and environment', () => {
    const { input } = parse(COMPOSE);
    assert.deepEqual(
      input.services.map((s) => [s.name, s.proxy ?? '-', s.at.line]),
      [
        ['proxy', 'nginx', 2],
        ['web', '-', 11],
        ['api', '-', 15],
        ['worker', '-', 20],
        ['edge', 'traefik', 23],
      ],
    );
    const proxy = input.services[0]!;
    assert.deepEqual(
      proxy.ports.map((p) => [p.published, p.target, p.at.line]),
      [
        [80, 80, 5],
        [8443, 443, 6],
      ],
    );
    assert.deepEqual(
      proxy.mounts.map((m) => [m.source, m.target, m.at.line]),
      [['./nginx/site.conf', '/etc/nginx/conf.d/default.conf', 9]],
    );
    assert.deepEqual(
      input.servers.map((s) => [
        s.server,
        s.names,
        s.forwardedAllowIps?.value,
        s.forwardedAllowIps?.at.line,
      ]),
      [
        ['gunicorn', ['web'], '*', 13],
        ['uvicorn', ['api'], '172.18.0.2', 19],
      ],
    );
  });

  test('the hops: app servers named by their service, proxies target-less with their mounts', () => {
    const { input } = parse(COMPOSE);
    const hops = composeHandler.model!(input);
    const byLabel: Record<string, HopModel> = Object.fromEntries(
      hops.map((h) => [h.names?.[0] ?? '', h]),
    );
    assert.equal(byLabel.web!.role, 'app');
    assert.deepEqual(
      byLabel.web!.listens.map((l) => [l.host, l.port]),
      [['0.0.0.0', 8000]],
    );
    assert.equal(byLabel.web!.trust?.all, true);
    assert.deepEqual(byLabel.api!.trust?.cidrs, ['172.18.0.2']);
    assert.equal(byLabel.proxy!.role, 'proxy');
    assert.deepEqual(byLabel.proxy!.targets, []);
    assert.deepEqual(byLabel.proxy!.writes, []);
    assert.deepEqual(
      byLabel.proxy!.listens.map((l) => l.port),
      [80, 443],
    );
    assert.ok(byLabel.proxy!.unknowns?.some((u) => u.includes('./nginx/site.conf')));
    // Traefik replaces the client's forwarded headers unless told to trust them
    assert.deepEqual(
      byLabel.edge!.writes.map((w) => [w.name, w.action, w.implicit]),
      [
        ['x-forwarded-for', 'set', true],
        ['x-forwarded-proto', 'set', true],
        ['x-forwarded-host', 'set', true],
        ['x-forwarded-port', 'set', true],
        ['x-real-ip', 'set', true],
      ],
    );
    assert.equal(hops.filter((h) => h.names?.[0] === 'worker').length, 0);
  });

  test('anchors and merge keys; list environment; the app-server rules read compose commands', () => {
    const text = `x-app: &app
  image: python:3.12
  environment:
    - FORWARDED_ALLOW_IPS=*
services:
  web:
    <<: *app
    command: uvicorn main:app --host 0.0.0.0
`;
    const { input } = parse(text);
    assert.equal(input.servers[0]!.forwardedAllowIps?.value, '*');
    const r = lintText(text, 'compose');
    assert.deepEqual(
      r.findings.map((f) => f.rule),
      ['appserver/forwarded-allow-ips-all'],
    );
  });

  test('malformed YAML is a parse error, never a crash (property)', () => {
    assert.ok(
      lintText('services:\n  web: [\n', 'compose').findings.some(
        (f) => f.rule === 'lint/parse-error',
      ),
    );
    const chars = fc.constantFrom(
      ...'ab:-[]{}"\'\n #&*<'.split(''),
      'services:\n',
      '  web:\n',
      '    command: ',
      'gunicorn ',
      '--bind ',
      '    ports:\n',
      '      - ',
      '    environment:\n',
      'image: nginx\n',
    );
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 60 }).map((a) => a.join('')),
        (text) => {
          const p = parse(text);
          composeHandler.model!(p.input);
        },
      ),
      { numRuns: 800 },
    );
  });
});
