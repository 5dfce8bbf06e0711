/**
 * The process lab: start real programs (HAProxy, nginx, Caddy, gunicorn, ...) on loopback
 * for integration tests, and clean up exactly what was started, even when a test fails.
 *
 * ```ts
 * labTest('haproxy sends PROXY v2', async (lab) => {
 *   const haproxy = requireBinary('/usr/sbin/haproxy');
 *   const port = await lab.freePort();
 *   const cfg = lab.writeFile('haproxy.cfg', `...`);
 *   const p = lab.spawn('haproxy', haproxy, ['-db', '-f', cfg]);
 *   await lab.waitForPort(port, { process: p });
 *   ...
 * });
 * ```
 *
 * Rules the lab keeps: loopback addresses only; ports are found free at run time;
 * readiness is polled (never a fixed sleep); every process is killed by its own pid in
 * teardown (registered with node:test `after`), and its captured output is printed when
 * the test did not pass. A missing binary always fails, never skips (see
 * {@link requireBinary}).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';

/** True when running in CI (`CI=true`), where a missing binary is a hard failure. */
export const IN_CI = process.env.CI === 'true';

/**
 * Return `path` if it is an executable file, else throw. Under `CI=true` the message says
 * that CI must provide it; outside CI it says how to install it (`scripts/setup.sh`).
 * Never a skip: a test that needs a binary fails without it.
 */
export function requireBinary(path: string): string {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    throw new Error(
      IN_CI
        ? `required binary ${path} is missing in CI (CI=true): scripts/setup.sh must install it; lab tests never skip`
        : `required binary ${path} is missing: run \`bash scripts/setup.sh\` (or install it) to run the lab tests; they never skip`,
    );
  }
}

/**
 * The ports the lab hands out: below the kernel's ephemeral range, which `listen(0)` and
 * every outgoing connection draw from. A port found free by binding port 0 could be taken
 * by another test's `listen(0)` or client socket before the proxy binds it (seen in CI:
 * gunicorn "Connection in use", and the scenario talked to somebody else's server). Below
 * that range only another lab hands ports out, so each process walks its own slot of it
 * (by pid), from a random point, checking each candidate by binding it.
 */
const LAB_PORTS = (() => {
  let low = 32768;
  try {
    const ephemeralStart = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    if (Number.isInteger(ephemeralStart) && ephemeralStart > 12000) low = ephemeralStart;
  } catch {
    // not Linux: keep the IANA dynamic range's start as the bound
  }
  const first = 10000;
  const slots = 32;
  const size = Math.floor((low - first) / slots);
  const start = first + (process.pid % slots) * size;
  return { start, size, next: Math.floor(Math.random() * size) };
})();

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Find a free TCP port on `host` (default 127.0.0.1), outside the ephemeral range. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let tries = 0; tries < LAB_PORTS.size; tries++) {
    const port = LAB_PORTS.start + (LAB_PORTS.next++ % LAB_PORTS.size);
    if (await bindable(port, host)) return port;
  }
  throw new Error(
    `lab: no free port in ${LAB_PORTS.start}..${LAB_PORTS.start + LAB_PORTS.size - 1}`,
  );
}

/** Try one TCP connection; true when it was accepted. */
function probe(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

/** A process started by the lab. */
export interface LabProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything it wrote to stdout and stderr so far. */
  logs(): string;
  /** Resolves with the exit code (or signal name) when it exits. */
  readonly exited: Promise<number | string>;
  /** True once it has exited. */
  hasExited(): boolean;
}

/** Options of {@link Lab.spawn}. */
export interface SpawnOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Options of {@link Lab.waitForPort}. */
export interface WaitOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 10000 ms. */
  readonly timeoutMs?: number;
  /** Fail at once (with its logs) if this process exits while waiting. */
  readonly process?: LabProcess;
}

/** A certificate issued by {@link Lab.makeCa} / {@link CertificateAuthority.issueCert}. */
export interface IssuedCert {
  readonly name: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** cert + key in one PEM file (what HAProxy's `crt` wants). */
  readonly pemPath: string;
  readonly cert: string;
  readonly key: string;
  /** `AB:CD:...`, as Node's `getPeerCertificate().fingerprint256` prints it. */
  readonly fingerprint256: string;
}

/** A throwaway CA in the lab's temp dir. */
export interface CertificateAuthority {
  readonly certPath: string;
  readonly keyPath: string;
  readonly cert: string;
  /**
   * Issue a P-256 certificate signed by this CA with subject `CN=<name>`. Server
   * certificates get `subjectAltName=DNS:<name>` (plus `dns`/`ips`); `client: true` gives
   * a clientAuth certificate.
   */
  issueCert(
    name: string,
    opts?: { client?: boolean; dns?: readonly string[]; ips?: readonly string[]; subject?: string },
  ): Promise<IssuedCert>;
}

function run(cmd: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * One test's lab: a temp dir, processes, ports and certificates, all torn down by
 * {@link Lab.teardown} (registered with the test's `after`).
 */
export class Lab {
  /** The temp dir; removed at teardown. */
  readonly dir: string;
  readonly #processes: LabProcess[] = [];
  readonly #cleanups: (() => void | Promise<void>)[] = [];
  #torn = false;
  #ca: CertificateAuthority | undefined;

  constructor(prefix = 'proxytrust-lab-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
  }

  /** Write a file in the lab dir and return its path. */
  writeFile(name: string, content: string | Uint8Array): string {
    const p = join(this.dir, name);
    writeFileSync(p, content);
    return p;
  }

  /** A free port on `host` (default 127.0.0.1). */
  freePort(host = '127.0.0.1'): Promise<number> {
    return freePort(host);
  }

  /** Run something at teardown (before processes are killed), e.g. closing a server. */
  onTeardown(fn: () => void | Promise<void>): void {
    this.#cleanups.push(fn);
  }

  /** Start a process with its output captured; it is killed at teardown. */
  spawn(
    name: string,
    command: string,
    args: readonly string[],
    opts: SpawnOptions = {},
  ): LabProcess {
    const child = spawn(command, args, {
      cwd: opts.cwd ?? this.dir,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    let exited = false;
    const exitedP = new Promise<number | string>((resolve) => {
      child.once('exit', (code, signal) => {
        exited = true;
        resolve(code ?? signal ?? 'unknown');
      });
      child.once('error', (e) => {
        exited = true;
        out += `\n[lab] spawn error: ${e.message}`;
        resolve('spawn-error');
      });
    });
    const p: LabProcess = {
      name,
      child,
      pid: child.pid ?? -1,
      logs: () => out,
      exited: exitedP,
      hasExited: () => exited,
    };
    this.#processes.push(p);
    return p;
  }

  /** Poll until `port` accepts a TCP connection; never a fixed sleep. */
  async waitForPort(port: number, opts: WaitOptions = {}): Promise<void> {
    const host = opts.host ?? '127.0.0.1';
    const deadline = Date.now() + (opts.timeoutMs ?? 10000);
    for (;;) {
      if (opts.process?.hasExited()) {
        throw new Error(
          `${opts.process.name} exited before listening on ${host}:${port}:\n${opts.process.logs()}`,
        );
      }
      if (await probe(port, host)) return;
      if (Date.now() > deadline) {
        throw new Error(
          `nothing listened on ${host}:${port} within ${opts.timeoutMs ?? 10000} ms${opts.process ? `; ${opts.process.name} logs:\n${opts.process.logs()}` : ''}`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** A throwaway CA (P-256, valid two days), created once per lab. */
  async makeCa(): Promise<CertificateAuthority> {
    if (this.#ca) return this.#ca;
    const openssl = requireBinary('/usr/bin/openssl');
    const dir = this.dir;
    const keyPath = join(dir, 'ca.key');
    const certPath = join(dir, 'ca.crt');
    await run(
      openssl,
      ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyPath],
      dir,
    );
    await run(
      openssl,
      [
        'req',
        '-x509',
        '-new',
        '-key',
        keyPath,
        '-out',
        certPath,
        '-days',
        '2',
        '-subj',
        '/CN=proxytrust lab CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      dir,
    );
    let serial = 1;
    const issueCert: CertificateAuthority['issueCert'] = async (name, opts = {}) => {
      const base = name.replace(/[^a-zA-Z0-9.-]/g, '_');
      const key = join(dir, `${base}.key`);
      const csr = join(dir, `${base}.csr`);
      const crt = join(dir, `${base}.crt`);
      const ext = join(dir, `${base}.ext`);
      await run(openssl, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key], dir);
      await run(
        openssl,
        ['req', '-new', '-key', key, '-out', csr, '-subj', opts.subject ?? `/CN=${name}`],
        dir,
      );
      const sans = [
        ...(opts.client ? [] : [`DNS:${name}`]),
        ...(opts.dns ?? []).map((d) => `DNS:${d}`),
        ...(opts.ips ?? []).map((i) => `IP:${i}`),
      ];
      writeFileSync(
        ext,
        [
          'basicConstraints=CA:FALSE',
          'keyUsage=critical,digitalSignature,keyEncipherment',
          `extendedKeyUsage=${opts.client ? 'clientAuth' : 'serverAuth'}`,
          ...(sans.length ? [`subjectAltName=${sans.join(',')}`] : []),
        ].join('\n'),
      );
      await run(
        openssl,
        [
          'x509',
          '-req',
          '-in',
          csr,
          '-CA',
          certPath,
          '-CAkey',
          keyPath,
          '-set_serial',
          String(serial++),
          '-days',
          '2',
          '-sha256',
          '-extfile',
          ext,
          '-out',
          crt,
        ],
        dir,
      );
      const cert = readFileSync(crt, 'utf8');
      const keyPem = readFileSync(key, 'utf8');
      const pemPath = join(dir, `${base}.pem`);
      writeFileSync(pemPath, cert + keyPem);
      return {
        name,
        certPath: crt,
        keyPath: key,
        pemPath,
        cert,
        key: keyPem,
        fingerprint256: new X509Certificate(cert).fingerprint256,
      };
    };
    this.#ca = { certPath, keyPath, cert: readFileSync(certPath, 'utf8'), issueCert };
    return this.#ca;
  }

  /** Every process's captured output, labelled. */
  allLogs(): string {
    return this.#processes
      .map((p) => `----- ${p.name} (pid ${p.pid}) -----\n${p.logs() || '(no output)'}`)
      .join('\n');
  }

  /**
   * Run the teardown hooks, kill every process this lab started (SIGTERM, then SIGKILL
   * after 3 s) by its own pid, and remove the temp dir. Idempotent.
   */
  async teardown(): Promise<void> {
    if (this.#torn) return;
    this.#torn = true;
    for (const fn of this.#cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // keep tearing down
      }
    }
    await Promise.all(
      this.#processes.map(async (p) => {
        if (p.hasExited() || p.pid < 0) return;
        p.child.kill('SIGTERM');
        const timer = setTimeout(() => {
          if (!p.hasExited()) p.child.kill('SIGKILL');
        }, 3000);
        await p.exited;
        clearTimeout(timer);
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A node:test test with a {@link Lab}: teardown always runs (test `after`), and when the
 * test does not pass (failure, timeout, cancellation) every process's logs are printed.
 */
export function labTest(
  name: string,
  fn: (lab: Lab, t: TestContext) => Promise<void>,
  options: { timeout?: number } = {},
): void {
  test(name, { timeout: options.timeout ?? 60000 }, (t) => inLab(t, name, (lab) => fn(lab, t)));
}

/**
 * Run `body` in a fresh {@link Lab} (its folder named after `name`) inside the test (or
 * subtest) `t`: teardown always runs (`t.after`), and when `body` does not finish (failure,
 * timeout, cancellation) every process's logs are printed.
 */
export async function inLab<T>(
  t: TestContext,
  name: string,
  body: (lab: Lab) => Promise<T>,
): Promise<T> {
  const lab = new Lab(`proxytrust-lab-${name.replace(/[^\w.-]+/g, '-').slice(0, 60)}-`);
  let passed = false;
  t.after(async () => {
    if (!passed)
      process.stderr.write(`\n[lab] "${name}" did not pass; process logs:\n${lab.allLogs()}\n`);
    await lab.teardown();
  });
  const result = await body(lab);
  passed = true;
  return result;
}
