/**
 * The Django version a settings file runs under, from the repository around it:
 * `requirements*.txt` (and `requirements/*.txt`), `pyproject.toml`, `Pipfile`, `setup.cfg`,
 * searched from the file's folder upwards to the repository root (a folder holding `.git`)
 * or at most 4 levels. Files are read, never run.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** A Django version and where it was read. */
export interface DjangoVersion {
  /** `major.minor` (`3.2`, `4.2`): the version pinned, or the lowest one allowed. */
  readonly version: string;
  /** The first version not allowed (`<4.0`, `==3.2` gives 3.3), when the pin says. */
  readonly below?: string;
  /** `requirements.txt:3: Django==3.2.19`, or `--django-version`. */
  readonly from: string;
}

const REQ = /^\s*["']?django\s*(?:\[[^\]]*\])?\s*(==|~=|>=|===|\^|~|=)?\s*["']?\s*(\d+)\.(\d+)/i;
const TOML =
  /^\s*["']?django["']?\s*=\s*(?:\{[^}]*version\s*=\s*)?["']\s*(==|~=|>=|\^|~|=)?\s*(\d+)\.(\d+)/i;

function scan(path: string): DjangoVersion | undefined {
  let text: string;
  try {
    if (!statSync(path).isFile()) return undefined;
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.replace(/#.*$/, '');
    // a list entry ("Django>=4.2,<5") or a requirements line
    const m =
      TOML.exec(l) ?? REQ.exec(l.replace(/^\s*(install_requires\s*=|dependencies\s*=\s*\[)/, ''));
    if (!m) continue;
    const op = m[1] ?? '';
    const major = Number(m[2]);
    const minor = Number(m[3]);
    // `django>=3.2` says only "3.2 or later", unless an upper bound follows (`,<4.0`)
    const upper = /<\s*(\d+)(?:\.(\d+))?/.exec(l.slice(m.index + m[0].length));
    let below: string | undefined;
    if (upper) below = `${upper[1]}.${upper[2] ?? 0}`;
    else if (op === '==' || op === '===' || op === '=' || op === '~=' || op === '~')
      below = `${major}.${minor + 1}`;
    else if (op === '^') below = `${major + 1}.0`;
    return {
      version: `${major}.${minor}`,
      ...(below ? { below } : {}),
      from: `${path}:${i + 1}: ${lines[i]!.trim()}`,
    };
  }
  return undefined;
}

/** The Django version the repository around `file` pins, or undefined. */
export function inferDjangoVersion(file: string): DjangoVersion | undefined {
  let dir = dirname(resolve(file));
  for (let level = 0; level <= 4; level++) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      names = [];
    }
    const candidates = names
      .filter((n) => /^requirements.*\.txt$|^pyproject\.toml$|^Pipfile$|^setup\.cfg$/i.test(n))
      .sort()
      .map((n) => join(dir, n));
    if (names.includes('requirements')) {
      try {
        for (const n of readdirSync(join(dir, 'requirements')).sort())
          if (/\.txt$/.test(n)) candidates.push(join(dir, 'requirements', n));
      } catch {
        /* not a folder */
      }
    }
    for (const c of candidates) {
      const v = scan(c);
      if (v) return v;
    }
    if (existsSync(join(dir, '.git'))) break;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/** `--django-version 4.2` as a DjangoVersion. */
export function givenDjangoVersion(v: string | undefined): DjangoVersion | undefined {
  const m = /^(\d+)\.(\d+)/.exec(v ?? '');
  return m
    ? { version: `${m[1]}.${m[2]}`, below: `${m[1]}.${Number(m[2]) + 1}`, from: '--django-version' }
    : undefined;
}

const cmp = (a: string, b: string): number => {
  const [a1, a2] = a.split('.').map(Number) as [number, number];
  const [b1, b2] = b.split('.').map(Number) as [number, number];
  return a1 - b1 || a2 - b2;
};

/** True when every version the pin allows is at least `min`; false when none is; else undefined. */
export function versionAtLeast(v: DjangoVersion | undefined, min: string): boolean | undefined {
  if (!v) return undefined;
  if (cmp(v.version, min) >= 0) return true;
  if (v.below !== undefined && cmp(v.below, min) <= 0) return false;
  return undefined;
}
