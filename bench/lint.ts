/**
 * Lint benchmark. A generated 10,000-line nginx configuration of 50 files (a main file that
 * includes 10 upstream files and 39 server files; upstreams by IP address, no DNS):
 *
 * - in process: proxytrust's nginx handler (it reads the main file and every include from
 *   disk, parses, expands includes) plus every nginx rule, against the `nginx-conf` npm
 *   parser's parse alone of the same 50 files, each read from disk with readFileSync (it
 *   does not follow includes, so it is handed the list). Both warm, interleaved (no forced
 *   garbage collection between runs: tried, it slowed the next run of both), median of N
 *   runs (the minimum is printed too). Goal: ratio < 1.
 * - as a command: `proxytrust lint <main>` (node dist/cli/index.js) against
 *   `nginx -t -c <main> -p <prefix>` on the same files, interleaved, median wall time of
 *   N runs; `node -e 0` is printed as the floor (Node's own start). Goal: ratio <= 2.
 *
 * Run: npm run bench -- lint   (builds dist first). PROXYTRUST_BENCH_RUNS sets N (default
 * 41 in process, 15 as a command); PROXYTRUST_BENCH_PART=in-process (or command) runs one part.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as nginxConfParse } from 'nginx-conf';
import { nginxHandler } from '../src/lint/nginx/handler.js';
import { rulesFor } from '../src/lint/registry.js';
import type { NginxInput } from '../src/lint/rule.js';
import { median } from './lib/pairs.js';

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

const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

/** Wall and CPU (user + system, this process's threads) times of runs, in ms. */
export interface Times {
  readonly wall: number[];
  readonly cpu: number[];
}

/** Time `fns` interleaved, `runs` times each, after `warm` untimed rounds. */
export function interleaved(fns: readonly (() => unknown)[], runs: number, warm: number): Times[] {
  const times = fns.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (let i = 0; i < warm + runs; i++) {
    fns.forEach((fn, k) => {
      const c = process.cpuUsage();
      const t = process.hrtime.bigint();
      fn();
      const wall = ms(t);
      const d = process.cpuUsage(c);
      if (i >= warm) {
        times[k]!.wall.push(wall);
        times[k]!.cpu.push((d.user + d.system) / 1000);
      }
    });
  }
  return times;
}

/** proxytrust: the nginx handler (reads and parses from disk) and every nginx rule. */
export function lintInProcess(main: string): number {
  const parsed = nginxHandler.parse(main, readFileSync(main, 'utf8'), {});
  let n = 0;
  for (const r of rulesFor('nginx'))
    n += (r.check as (i: NginxInput) => unknown[])(parsed.input).length;
  if (parsed.files.length !== 50) throw new Error(`parsed ${parsed.files.length} files`);
  return n;
}

/** nginx-conf: read each of the same files from disk and parse it. */
export function nginxConfInProcess(paths: readonly string[]): void {
  for (const p of paths) {
    nginxConfParse(readFileSync(p, 'utf8'), (err) => {
      if (err) throw err;
    });
  }
}

function spawnTimed(
  cmd: string,
  args: string[],
): { ms: number; status: number | null; stderr: string } {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { ms: ms(t), status: r.status, stderr: String(r.stderr) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const runs = Number(process.env.PROXYTRUST_BENCH_RUNS) || 0;
  const part = process.env.PROXYTRUST_BENCH_PART ?? 'both';
  const dir = mkdtempSync(join(tmpdir(), 'pt-lint-bench-'));
  try {
    const { main, files, lines } = generate(dir);
    const paths = [...files.keys()];
    process.stdout.write(`config: ${files.size} files, ${lines} lines (${dir})\n`);
    if (part !== 'command') {
      const [a, b] = interleaved(
        [() => lintInProcess(main), () => nginxConfInProcess(paths)],
        runs || 41,
        10,
      ) as [Times, Times];
      const f = (v: Times) =>
        `median ${median(v.wall).toFixed(2)} ms (cpu ${median(v.cpu).toFixed(2)} ms, min ${Math.min(...v.wall).toFixed(2)} ms)`;
      process.stdout.write(
        `in process: proxytrust read + parse + ${rulesFor('nginx').length} rules ${f(a)}; nginx-conf read + parse ${f(b)}; ratio ${(median(a.wall) / median(b.wall)).toFixed(2)} (cpu ${(median(a.cpu) / median(b.cpu)).toFixed(2)}, minima ${(Math.min(...a.wall) / Math.min(...b.wall)).toFixed(2)}) (goal < 1)\n`,
      );
    }
    if (part !== 'in-process') {
      const cli = fileURLToPath(new URL('../dist/cli/index.js', import.meta.url));
      const cmd = {
        lint: [] as number[],
        nginx: [] as number[],
        node: [] as number[],
      };
      let lintStatus: number | null = null;
      for (let i = 0; i < 1 + (runs || 15); i++) {
        const l = spawnTimed(process.execPath, [cli, 'lint', '--format', 'json', main]);
        const g = spawnTimed('nginx', [
          '-t',
          '-q',
          '-e',
          join(dir, 'error.log'),
          '-c',
          main,
          '-p',
          dir,
        ]);
        const z = spawnTimed(process.execPath, ['-e', '0']);
        if (g.status !== 0) throw new Error(`nginx -t failed: ${g.stderr}`);
        if (l.status !== 0 && l.status !== 1) throw new Error(`lint failed: ${l.stderr}`);
        lintStatus = l.status;
        if (i === 0) continue; // warm the page cache
        cmd.lint.push(l.ms);
        cmd.nginx.push(g.ms);
        cmd.node.push(z.ms);
      }
      const [l, g, z] = [median(cmd.lint), median(cmd.nginx), median(cmd.node)];
      process.stdout.write(
        `as a command: proxytrust lint ${l.toFixed(1)} ms (exit ${lintStatus}); nginx -t ${g.toFixed(1)} ms; ratio ${(l / g).toFixed(2)} (goal <= 2); floor: node -e 0 ${z.toFixed(1)} ms, ${(z / g).toFixed(2)}x nginx -t\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
