/**
 * HAProxy as a kind of file: recognised by name (`haproxy.cfg`, `*.cfg` with sections,
 * anything under an `haproxy/` folder) and by content (a `frontend`, `backend` or `listen`
 * section with `bind`, `mode http`, `default_backend` or `server` lines is unmistakable).
 */
import type { Certainty, KindHandler } from '../kinds.js';
import { stripTemplateExt } from '../template.js';
import { haproxyModel } from './model.js';
import { parseHaproxy } from './parser.js';
import { type HaproxyInput, proxiesOf } from './proxy.js';

const SECTION = /^\s*(frontend|backend|listen|defaults|global)\b/m;
const PROXY_SECTION = /^\s*(frontend|backend|listen)\s+[^\s;{]+(\s+[^;{\n]*)?$/m;
/** nginx blocks (`server {`, `location / {`): not HAProxy. */
const NGINX_BLOCK = /^\s*(server|location|http|events|upstream|map)\b[^\n#]*\{\s*$/m;
const PROXY_LINES =
  /^\s*(bind\s+\S*:\S*|mode\s+(http|tcp)\b|default_backend\s|use_backend\s|server\s+\S+\s+\S+|option\s+(forwardfor|httplog|http-server-close)\b|http-request\s+(set|add|del)-header\s)/m;

function detect(name: string, text: string): Certainty {
  const bare = stripTemplateExt(name);
  const sections = SECTION.test(text);
  if (NGINX_BLOCK.test(text)) return 0;
  if (PROXY_SECTION.test(text) && PROXY_LINES.test(text)) return 3;
  if (/(^|\/)haproxy[^/]*\.cfg$/i.test(bare)) return 2;
  if (/\.cfg$/i.test(bare) && sections) return 2;
  if (/(^|\/)haproxy\/[^/]+$/.test(bare) && (sections || PROXY_LINES.test(text))) return 2;
  return 0;
}

/** The HAProxy handler. */
export const haproxyHandler: KindHandler<HaproxyInput> = {
  kind: 'haproxy',
  detect,
  parse(file, text) {
    const parsed = parseHaproxy(file, text);
    const notes: string[] = [];
    if (parsed.templated) notes.push('template markers were read as unknown values');
    return {
      input: { file: parsed, proxies: proxiesOf(parsed) },
      problems: parsed.problems.map((p) => ({ file, ...p })),
      notes,
      files: [file],
      texts: new Map([[file, text]]),
    };
  },
  model: haproxyModel,
};
