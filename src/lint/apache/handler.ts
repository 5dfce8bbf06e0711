/**
 * Apache httpd configuration as a kind of file: recognised by name (`apache2.conf`,
 * `httpd.conf`, files under `apache2/` or `httpd/`) with agreeing content, or by content
 * alone when it is unmistakable (`<VirtualHost`, `ProxyPass`, `RequestHeader`): nginx claims
 * every `*.conf` with certainty 2, so such a file answers 3. Parsed with its includes,
 * described per virtual host for the cross-file rules.
 */
import { NOT_CONFIG } from '../caddy/handler.js';
import type { Certainty, KindHandler } from '../kinds.js';
import type { FileRule } from '../rule.js';
import { stripTemplateExt } from '../template.js';
import { apacheModel } from './model.js';
import { type ApacheInput, parseApache } from './parser.js';

const APACHE_NAME =
  /(^|[/\\])(apache2?|httpd)\.conf$|(^|[/\\])\.htaccess$|(^|[/\\])(apache2?|httpd)[/\\](.+[/\\])?[^/\\]+\.conf$/i;

/** Lines only Apache writes. */
const APACHE_CONTENT =
  /^\s*<\/?(VirtualHost|IfModule|Directory|Location|LocationMatch|FilesMatch)\b|^\s*(ProxyPass|ProxyPassReverse|ProxyPreserveHost|RequestHeader|RemoteIPHeader|SSLEngine|ServerName|DocumentRoot|LoadModule)\s/m;
/** Lines that make it unmistakable. */
const APACHE_SURE =
  /^\s*<VirtualHost\b|^\s*(ProxyPass|RequestHeader|ProxyPreserveHost|RemoteIPHeader)\s/im;

function detect(name: string, text: string): Certainty {
  const bare = stripTemplateExt(name);
  if (NOT_CONFIG.test(bare)) return 0;
  if (/;\s*$/m.test(text) && /^\s*(server|location)\s*[^\n]*\{/m.test(text)) return 0;
  if (APACHE_SURE.test(text)) return 3;
  if (APACHE_NAME.test(bare) && (APACHE_CONTENT.test(text) || text.trim() === '')) return 3;
  if (APACHE_CONTENT.test(text)) return 1;
  return 0;
}

/** The Apache handler. */
export const apacheHandler: KindHandler<ApacheInput> = {
  kind: 'apache',
  detect,
  parse(file, text, opts) {
    const p = parseApache(file, text, {
      ...(opts.confRoot ? { confRoot: opts.confRoot } : {}),
      ...(opts.noIncludes ? { noIncludes: true } : {}),
    });
    return { input: p.input, problems: p.problems, notes: p.notes, files: p.files, texts: p.texts };
  },
  model: apacheModel,
};

/** An Apache rule. */
export type ApacheRule = FileRule<'apache', ApacheInput>;
