/**
 * Apache httpd configuration as a kind of file: recognised by name (`apache2.conf`,
 * `httpd.conf`, `.htaccess`, `*.conf` and `*.load` under `apache2/` or `httpd/`) unless the
 * content is nginx's, or by content alone when it is unmistakable (a section tag such as
 * `<VirtualHost` or `<IfModule`, `ProxyPass`, `RequestHeader`): nginx claims every `*.conf`
 * with certainty 2, so such a file answers 3. Parsed with its includes,
 * described per virtual host for the cross-file rules.
 */
import { NOT_CONFIG } from '../caddy/handler.js';
import type { Certainty, KindHandler } from '../kinds.js';
import { NGINX_CONTENT } from '../nginx/handler.js';
import { stripTemplateExt } from '../template.js';
import { apacheModel } from './model.js';
import { type ApacheInput, parseApache } from './parser.js';

const APACHE_NAME =
  /(^|[/\\])(apache2?|httpd)\.conf$|(^|[/\\])\.htaccess$|(^|[/\\])(apache2?|httpd)[/\\](.+[/\\])?[^/\\]+\.(conf|load)$/i;

/** Lines Apache writes (and nginx does not). */
const APACHE_CONTENT =
  /^\s*(ProxyPass|ProxyPassReverse|ProxyPreserveHost|RequestHeader|RemoteIPHeader|SSLEngine|ServerName|ServerAlias|DocumentRoot|LoadModule|Alias|ErrorLog|CustomLog|ServerTokens|AddType|AddHandler|Options|AllowOverride|Require)\s/m;
/** Lines that make it unmistakable: a section tag, or a proxy-header directive. */
const APACHE_SURE =
  /^\s*<\/?(VirtualHost|IfModule|IfDefine|Directory|DirectoryMatch|Location|LocationMatch|Files|FilesMatch|Proxy|Macro)\b|^\s*(ProxyPass|RequestHeader|ProxyPreserveHost|RemoteIPHeader)\s/im;

function detect(name: string, text: string): Certainty {
  const bare = stripTemplateExt(name);
  if (NOT_CONFIG.test(bare)) return 0;
  // nginx's blocks and `;` line ends are never Apache
  if (/;\s*$/m.test(text) && NGINX_CONTENT.test(text) && !/^\s*<\/?VirtualHost\b/im.test(text))
    return 0;
  if (APACHE_SURE.test(text)) return 3;
  if (APACHE_NAME.test(bare)) return 3;
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
