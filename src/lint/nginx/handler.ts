/**
 * nginx as a kind of file: recognised by name (nginx.conf, sites-available/, *.conf) and
 * content, parsed with its includes (or as an `nginx -T` dump, or a fragment in a declared
 * context).
 */
import { readFileSync } from 'node:fs';
import type { Certainty, KindHandler, ParseProblem } from '../kinds.js';
import type { NginxInput } from '../rule.js';
import { isTemplateName, stripTemplateExt } from '../template.js';
import { nginxModel } from './model.js';
import {
  type CachedFs,
  type ConfigFile,
  cachedFs,
  diskFs,
  isDump,
  type Payload,
  parseConfig,
  parseDump,
  parseFileText,
} from './parser.js';
import { combine, rootScope } from './tree.js';

const NGINX_NAME =
  /(^|\/)(nginx\.conf|proxy_params|fastcgi_params|uwsgi_params|scgi_params|mime\.types)$|\.(conf|nginx|vhost)$|(^|\/)(sites-available|sites-enabled|conf\.d|snippets|nginx)\/[^/]+$/;
/** YAML by name. */
export const YAML_NAME = /\.(ya?ml)$/i;
/** Lines only nginx writes. */
export const NGINX_CONTENT =
  /^\s*(server|location|upstream|http|events|map)\b[^\n;]*\{|^\s*(proxy_pass|proxy_set_header|listen|server_name|include|set_real_ip_from)\s/m;

/** True when a file reads as YAML (by name, or a templated file of `key: value` lines). */
export function yamlish(name: string, text: string): boolean {
  return (
    YAML_NAME.test(stripTemplateExt(name)) ||
    (isTemplateName(name) && /^\s*[\w.-]+:\s/m.test(text) && !NGINX_CONTENT.test(text))
  );
}

function detect(name: string, text: string): Certainty {
  if (yamlish(name, text)) return 0;
  const bare = stripTemplateExt(name);
  if (
    NGINX_NAME.test(bare) &&
    (NGINX_CONTENT.test(text) || /\.conf$/.test(bare) || text.trim() === '')
  )
    return 2;
  if (NGINX_CONTENT.test(text) && !/^\s*[\w.-]+:\s*$/m.test(text)) return 1;
  return 0;
}

/** Parse errors as problems; a missing include is a note (its content unknown). */
function problemsOf(payload: Payload): { problems: ParseProblem[]; notes: string[] } {
  const problems: ParseProblem[] = [];
  const notes: string[] = [];
  for (const cf of payload.config) {
    for (const e of cf.errors) {
      if (/^No such file or directory/.test(e.error)) {
        notes.push(
          `${cf.file}:${e.line}: include not found (${e.error.replace(/^No such file or directory: /, '')}): its content is unknown`,
        );
        continue;
      }
      problems.push({ file: cf.file, line: e.line ?? 1, col: e.col ?? 1, message: e.error });
    }
  }
  return { problems, notes };
}

/** The nginx handler. */
export const nginxHandler: KindHandler<NginxInput> = {
  kind: 'nginx',
  detect,
  parse(file, text, opts) {
    let payload: Payload;
    const dump = isDump(text);
    let fs: CachedFs | undefined;
    if (opts.noIncludes) {
      const cf = parseFileText(file, text);
      payload = { status: cf.status, errors: cf.errors, config: [cf] };
    } else if (dump) payload = parseDump(text);
    else {
      fs = cachedFs(diskFs);
      payload = parseConfig(file === '-' ? '/dev/stdin' : file, {
        fs,
        mainText: text,
        ...(opts.confRoot
          ? { confRoot: opts.confRoot }
          : file === '-'
            ? { confRoot: process.cwd() }
            : {}),
      });
      if (file === '-') (payload.config[0] as ConfigFile).file = '-';
    }
    const texts = new Map<string, string>();
    for (const cf of payload.config) {
      if (cf.file === '-' || cf.file === file) texts.set(cf.file, text);
      else if (!opts.noIncludes) {
        const read = fs?.texts.get(cf.file);
        if (read !== undefined) {
          texts.set(cf.file, read);
          continue;
        }
        try {
          texts.set(cf.file, readFileSync(cf.file, 'utf8'));
        } catch {
          /* a dump's files, or unreadable: suppressions read from the dump below */
        }
      }
    }
    if (dump) texts.set(file, text);
    const { problems, notes } = problemsOf(payload);
    const tree = combine(payload, opts.context);
    for (const c of tree.cycles)
      problems.push({
        file: c.file,
        line: c.line,
        col: c.col,
        message: `include cycle: ${c.chain.join(' -> ')}`,
      });
    if (payload.config.some((c) => c.templated))
      notes.push('template markers were read as unknown values');
    return {
      input: { tree, root: rootScope(tree) },
      problems,
      notes,
      files: payload.config.map((c) => c.file),
      texts,
    };
  },
  model: nginxModel,
};
