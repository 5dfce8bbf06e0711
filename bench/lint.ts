/**
 * Lint benchmark. A generated 10,000-line nginx configuration of 50 files (a main file that
 * includes 10 upstream files and 39 server files; upstreams by IP address, no DNS):
 *
 * - in process: proxytrust's parse (includes followed) plus every nginx rule, against the
 *   `nginx-conf` npm parser's parse alone of the same 50 texts (it does not follow
 *   includes); both from memory, best of many runs. Goal: ratio < 1.
 * - as a command: `proxytrust lint <main>` (node dist/cli/index.js) against
 *   `nginx -t -c <main> -p <prefix>` on the same files, median wall time of 7 runs.
 *   Goal: ratio <= 2.
 *
 * Run: npm run bench -- lint   (builds dist first)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as nginxConfParse } from 'nginx-conf';
import { memoryFs, parseConfig } from '../src/lint/nginx/parser.js';
import { combine, rootScope } from '../src/lint/nginx/tree.js';
import { NGINX_RULES } from '../src/lint/registry.js';

/** Write the configuration; returns the main file and every file's text. */
export function generate(dir: string): { main: string; files: Map<string, string>; lines: number } {
  mkdirSync(join(dir, 'upstreams'), { recursive: true });
  mkdirSync(join(dir, 'servers'), { recursive: true });
  mkdirSync(join(dir, 'temp'), { recursive: true });
  const files = new Map<string, string>();
  const t = join(dir, 'temp');
  files.set(
    join(dir, 'nginx.conf'),
    [
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')};`,
      'events { worker_connections 1024; }',
      'http {',
      '    access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (k) => `    ${k}_temp_path ${join(t, k)};`,
      ),
      '    set_real_ip_from 10.0.0.0/8;',
      '    real_ip_header X-Forwarded-For;',
      '    map $http_upgrade $connection_upgrade { default upgrade; "" close; }',
      '    server { listen 127.0.0.1:19000 default_server; return 444; }',
      '    include upstreams/*.conf;',
      '    include servers/*.conf;',
      '}',
      '',
    ].join('\n'),
  );
  for (let u = 0; u < 10; u++) {
    const out: string[] = [];
    for (let k = 0; k < 10; k++) {
      out.push(`upstream app_${u}_${k} {`);
      for (let s = 0; s < 6; s++)
        out.push(`    server 10.${u}.${k}.${s + 1}:8000 max_fails=3 fail_timeout=10s;`);
      out.push('    keepalive 16;', '}', '');
    }
    files.set(join(dir, 'upstreams', `u${String(u).padStart(2, '0')}.conf`), out.join('\n'));
  }
  for (let f = 0; f < 39; f++) {
    const out: string[] = [];
    for (let s = 0; s < 2; s++) {
      out.push(
        'server {',
        '    listen 127.0.0.1:19000;',
        `    server_name site${f}-${s}.example;`,
        '    client_max_body_size 10m;',
        '    proxy_set_header Host $host;',
        '    proxy_set_header X-Forwarded-Proto $scheme;',
        '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
        '    proxy_set_header X-Real-IP $remote_addr;',
      );
      for (let l = 0; l < 10; l++) {
        out.push(
          `    location /api${l}/ {`,
          `        proxy_pass http://app_${f % 10}_${l % 10};`,
          '        proxy_http_version 1.1;',
          '        proxy_set_header Upgrade $http_upgrade;',
          '        proxy_set_header Connection $connection_upgrade;',
          '        proxy_set_header Host $host;',
          '        proxy_set_header X-Forwarded-Proto $scheme;',
          '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
          '        proxy_set_header X-Real-IP $remote_addr;',
          `        add_header X-Served-By "site${f}";`,
          '    }',
        );
      }
      out.push('    location = /healthz { return 200 "ok"; }', '}', '');
    }
    files.set(join(dir, 'servers', `s${String(f).padStart(2, '0')}.conf`), out.join('\n'));
  }
  let lines = 0;
  for (const [p, text] of files) {
    writeFileSync(p, text);
    lines += text.split('\n').length - 1;
  }
  return { main: join(dir, 'nginx.conf'), files, lines };
}

function best(fn: () => void, runs: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return min;
}

function median(
  cmd: string,
  args: string[],
  runs: number,
): { ms: number; status: number | null; stderr: string } {
  const times: number[] = [];
  let last: ReturnType<typeof spawnSync> | undefined;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    last = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(runs / 2)]!, status: last!.status, stderr: String(last!.stderr) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = mkdtempSync(join(tmpdir(), 'pt-lint-bench-'));
  try {
    const { main, files, lines } = generate(dir);
    process.stdout.write(`config: ${files.size} files, ${lines} lines (${dir})\n`);
    const fs = memoryFs(files);
    const ours = () => {
      const payload = parseConfig(main, { fs });
      const tree = combine(payload);
      const root = rootScope(tree);
      let n = 0;
      for (const r of NGINX_RULES) n += r.check({ tree, root }).length;
      if (payload.config.length !== 50) throw new Error(`parsed ${payload.config.length} files`);
      return n;
    };
    const theirs = () => {
      for (const text of files.values()) {
        nginxConfParse(text, (err) => {
          if (err) throw err;
        });
      }
    };
    for (let i = 0; i < 5; i++) {
      ours();
      theirs();
    }
    const a = best(ours, 30);
    const b = best(theirs, 30);
    process.stdout.write(
      `in process: proxytrust parse + ${NGINX_RULES.length} rules ${a.toFixed(2)} ms; nginx-conf parse alone ${b.toFixed(2)} ms; ratio ${(a / b).toFixed(3)} (goal < 1)\n`,
    );
    const cli = fileURLToPath(new URL('../dist/cli/index.js', import.meta.url));
    const lintRun = median(process.execPath, [cli, 'lint', '--format', 'json', main], 7);
    const nginxRun = median(
      'nginx',
      ['-t', '-q', '-e', join(dir, 'error.log'), '-c', main, '-p', dir],
      7,
    );
    if (nginxRun.status !== 0) throw new Error(`nginx -t failed: ${nginxRun.stderr}`);
    process.stdout.write(
      `as a command: proxytrust lint ${lintRun.ms.toFixed(1)} ms (exit ${lintRun.status}); nginx -t ${nginxRun.ms.toFixed(1)} ms; ratio ${(lintRun.ms / nginxRun.ms).toFixed(3)} (goal <= 2)\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
