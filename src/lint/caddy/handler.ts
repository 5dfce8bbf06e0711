/**
 * The Caddyfile as a kind of file: recognised by name (`Caddyfile`, `Caddyfile.prod`,
 * `*.caddyfile`, `*.caddy`) or by content (site blocks with `reverse_proxy`), parsed with
 * its imports, described per site for the cross-file rules.
 */
import type { Certainty, KindHandler } from '../kinds.js';
import { stripTemplateExt } from '../template.js';
import { caddyModel } from './model.js';
import { type CaddyInput, parseCaddy } from './parser.js';

/** A Caddyfile by name. */
export const CADDY_NAME = /(^|[/\\])caddyfile([.-][\w.-]+)?$|\.caddy(file)?$/i;

/** Lines only a Caddyfile writes: a `reverse_proxy` directive, with no `;` line ends. */
const CADDY_CONTENT = /^\s*(reverse_proxy|php_fastcgi)\s+\S/m;

/** Documents and code that may quote configuration without being it. */
export const NOT_CONFIG =
  /\.(md|markdown|rst|adoc|html?|py|js|mjs|cjs|ts|json|ya?ml|sh|go|rb|java)$/i;

function detect(name: string, text: string): Certainty {
  if (CADDY_NAME.test(stripTemplateExt(name))) return 3;
  if (NOT_CONFIG.test(stripTemplateExt(name))) return 0;
  if (CADDY_CONTENT.test(text) && /^[^\s#][^\n;]*\{\s*$/m.test(text) && !/;\s*$/m.test(text))
    return 1;
  return 0;
}

/** The Caddy handler. */
export const caddyHandler: KindHandler<CaddyInput> = {
  kind: 'caddy',
  detect,
  parse(file, text, opts) {
    const p = parseCaddy(file, text, {
      ...(opts.confRoot ? { confRoot: opts.confRoot } : {}),
      ...(opts.noIncludes ? { noIncludes: true } : {}),
    });
    const notes = [...p.notes];
    const v1 = p.input.sites.filter((s) => s.v1);
    if (v1.length > 0)
      notes.push(
        `${v1.map((s) => `${s.at.file}:${s.at.line}`).join(', ')}: Caddy 1 syntax (proxy, gzip, ...): not checked, lint reads Caddy 2 Caddyfiles`,
      );
    return { input: p.input, problems: p.problems, notes, files: p.files, texts: p.texts };
  },
  model: caddyModel,
};
