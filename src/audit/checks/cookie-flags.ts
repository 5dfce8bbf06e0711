/**
 * `cookie-flags`: cookies set over https are Secure, session-like ones HttpOnly, all carry
 * SameSite; no session-like cookie is set over plain http.
 */
import { type Check, error, fail, from, pass, skip, warn } from '../check.js';
import { type Exchange, evidence } from '../context.js';
import { headerValues } from '../engine.js';
import { explainByBelief } from './probe-util.js';

/** One Set-Cookie line, parsed enough to judge its flags. */
export interface CookieFlags {
  readonly name: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: string | undefined;
  /** True for a deletion (Max-Age=0 or an Expires in the past). */
  readonly deletion: boolean;
}

/** Parse a Set-Cookie value's name and flags. */
export function parseSetCookie(line: string): CookieFlags {
  const [pair = '', ...attrs] = line.split(';');
  const name = pair.split('=')[0]!.trim();
  let secure = false;
  let httpOnly = false;
  let sameSite: string | undefined;
  let deletion = false;
  for (const a of attrs) {
    const [k = '', ...rest] = a.split('=');
    const key = k.trim().toLowerCase();
    const v = rest.join('=').trim();
    if (key === 'secure') secure = true;
    else if (key === 'httponly') httpOnly = true;
    else if (key === 'samesite') sameSite = v;
    else if (key === 'max-age' && /^-?0+$|^-\d+$/.test(v)) deletion = true;
    else if (key === 'expires' && Date.parse(v) < Date.now() - 86400_000) deletion = true;
  }
  return { name, secure, httpOnly, sameSite, deletion };
}

/** Cookie names that look like sessions or credentials (CSRF tokens are read by scripts, so excluded). */
export function isSessionLike(name: string): boolean {
  return /sess|sid|auth|token|login|jwt|remember|connect\./i.test(name) && !/csrf|xsrf/i.test(name);
}

/** The check. */
export const cookieFlags: Check = {
  id: 'cookie-flags',
  title: 'cookie flags',
  severity: 'high',
  needsProbe: false,
  description:
    'Cookies set over https carry Secure and SameSite, session-like cookies HttpOnly too; no session-like cookie is set over plain http (--cookie-path names a page that sets cookies).',
  fix: 'Mark cookies `Secure; HttpOnly; SameSite=Lax`: Django `SESSION_COOKIE_SECURE = True` and `CSRF_COOKIE_SECURE = True` (with `SECURE_PROXY_SSL_HEADER` behind a proxy), proxytrust `secureCookies` (the default for secure responses), Express `cookie: { secure: true, httpOnly: true, sameSite: "lax" }` with `trust proxy` set; never set session cookies on plain http.',
  async run(ctx) {
    // Every page of the browsing session (the root page, --cookie-path, --csrf-path).
    const session = await ctx.session();
    const pages = [session.root, session.cookiePage, session.csrfPage].filter(
      (p): p is Exchange => p !== undefined,
    );
    const first = pages.find((p) => p.response) ?? session.root;
    if (!first.response)
      return error(`https request failed: ${first.error?.message}`, [evidence(first)]);
    const setting = pages.filter(
      (p) => p.response && headerValues(p.response, 'set-cookie').length > 0,
    );
    const seen = new Map<string, CookieFlags>();
    for (const p of setting) {
      for (const c of headerValues(p.response!, 'set-cookie').map(parseSetCookie)) {
        if (!c.deletion) seen.set(c.name, c);
      }
    }
    const cookies = [...seen.values()];
    const bad: string[] = [];
    const weak: string[] = [];
    for (const c of cookies) {
      if (!c.secure) bad.push(`${c.name} has no Secure`);
      if (isSessionLike(c.name) && !c.httpOnly) bad.push(`${c.name} has no HttpOnly`);
      if (c.sameSite === undefined) weak.push(`${c.name} has no SameSite`);
      else if (c.sameSite.toLowerCase() === 'none' && !c.secure)
        bad.push(`${c.name} is SameSite=None without Secure`);
    }
    const ev = (setting.length > 0 ? setting : [first]).map((p) => evidence(p));
    const path = ctx.options.cookiePath;
    const http = [await ctx.baselineHttp()];
    if (path) {
      http.push(await ctx.page(`GET ${ctx.at('http', path).href}`, { url: ctx.at('http', path) }));
    }
    for (const h of http) {
      if (!h.response) continue;
      const overHttp = headerValues(h.response, 'set-cookie')
        .map(parseSetCookie)
        .filter((c) => !c.deletion && isSessionLike(c.name) && !c.secure);
      // A Secure cookie in an http response is dropped by browsers (RFC 6265bis 5.6).
      for (const c of overHttp) bad.push(`${c.name} is set over plain http`);
      if (overHttp.length > 0) ev.push(evidence(h));
    }
    if (bad.length > 0)
      return explainByBelief(ctx, 'https', fail(`insecure cookies: ${bad.join('; ')}`, ev));
    if (cookies.length === 0 && ctx.options.probeSecret) {
      // Nothing to observe (the page redirects, for example): the probe says whether the
      // app would mark cookies Secure, since it does so only when it believes https.
      const p = await ctx.probeBaseline('https');
      if (p.answer && p.answer.view.secure === false) {
        return from(
          'probe',
          fail(
            'no cookie could be observed, and the app believes https requests are not secure, so it sets cookies without Secure',
            [
              ...ev,
              evidence(
                p.exchange,
                [],
                [`probe view.secure: false, view.scheme: ${p.answer.view.scheme}`],
              ),
            ],
          ),
        );
      }
    }
    if (cookies.length === 0) {
      return skip(
        `no cookie is set by ${pages.map((p) => `GET ${p.url.href}`).join(', ')}; pass --cookie-path with a page that sets cookies`,
        ev,
      );
    }
    if (weak.length > 0) {
      return from(
        'outside',
        warn(
          `cookies without SameSite: ${weak.join('; ')}`,
          ev,
          'Add `SameSite=Lax` (or Strict): Django `SESSION_COOKIE_SAMESITE = "Lax"`, Express `sameSite: "lax"`.',
        ),
      );
    }
    return from(
      'outside',
      pass(
        `${cookies.length} cookie(s), all Secure with SameSite${cookies.some((c) => isSessionLike(c.name)) ? ', sessions HttpOnly' : ''}`,
        ev,
      ),
    );
  },
};
