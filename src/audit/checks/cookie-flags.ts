/**
 * `cookie-flags`: cookies set over https are Secure, session-like ones HttpOnly, all carry
 * SameSite; no session-like cookie is set over plain http.
 */
import { type Check, error, fail, pass, skip, warn } from '../check.js';
import { evidence } from '../context.js';
import { headerValues } from '../engine.js';

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
    const path = ctx.options.cookiePath;
    const ex = path
      ? await ctx.send(`GET ${ctx.at('https', path).href}`, { url: ctx.at('https', path) })
      : await ctx.baselineHttps();
    const res = ex.response;
    if (!res) return error(`https request failed: ${ex.error?.message}`, [evidence(ex)]);
    const cookies = headerValues(res, 'set-cookie')
      .map(parseSetCookie)
      .filter((c) => !c.deletion);
    const bad: string[] = [];
    const weak: string[] = [];
    for (const c of cookies) {
      if (!c.secure) bad.push(`${c.name} has no Secure`);
      if (isSessionLike(c.name) && !c.httpOnly) bad.push(`${c.name} has no HttpOnly`);
      if (c.sameSite === undefined) weak.push(`${c.name} has no SameSite`);
      else if (c.sameSite.toLowerCase() === 'none' && !c.secure)
        bad.push(`${c.name} is SameSite=None without Secure`);
    }
    const ev = [evidence(ex)];
    const httpUrl = path ? ctx.at('http', path) : ctx.httpUrl;
    const http = path
      ? await ctx.send(`GET ${httpUrl.href}`, { url: httpUrl })
      : await ctx.baselineHttp();
    if (http.response) {
      const overHttp = headerValues(http.response, 'set-cookie')
        .map(parseSetCookie)
        .filter((c) => !c.deletion && isSessionLike(c.name));
      for (const c of overHttp) bad.push(`${c.name} is set over plain http`);
      if (overHttp.length > 0) ev.push(evidence(http));
    }
    if (bad.length > 0) return fail(`insecure cookies: ${bad.join('; ')}`, ev);
    if (cookies.length === 0 && ctx.options.probeSecret) {
      // Nothing to observe (the page redirects, for example): the probe says whether the
      // app would mark cookies Secure, since it does so only when it believes https.
      const p = await ctx.probeBaseline('https');
      if (p.answer && p.answer.view.secure === false) {
        return fail(
          'no cookie could be observed, and the app believes https requests are not secure, so it sets cookies without Secure',
          [
            ...ev,
            evidence(
              p.exchange,
              [],
              [`probe view.secure: false, view.scheme: ${p.answer.view.scheme}`],
            ),
          ],
        );
      }
    }
    if (cookies.length === 0) {
      return skip(
        `no cookie is set by GET ${ex.url.href}; pass --cookie-path with a page that sets cookies`,
        ev,
      );
    }
    if (weak.length > 0) {
      return warn(
        `cookies without SameSite: ${weak.join('; ')}`,
        ev,
        'Add `SameSite=Lax` (or Strict): Django `SESSION_COOKIE_SAMESITE = "Lax"`, Express `sameSite: "lax"`.',
      );
    }
    return pass(
      `${cookies.length} cookie(s), all Secure with SameSite${cookies.some((c) => isSessionLike(c.name)) ? ', sessions HttpOnly' : ''}`,
      ev,
    );
  },
};
