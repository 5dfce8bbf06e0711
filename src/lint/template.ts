/**
 * Template markers, read tolerantly: Jinja (`{{ expr }}`, `{% stmt %}`, `{# comment #}`)
 * and Helm/Go templates (`{{ .Values.x }}`, `{{- if ... }}`). An expression becomes an
 * opaque run of {@link UNKNOWN} characters of the same length (so lines and columns
 * stay true), and a rule that meets one treats that value as unknown, never as a guess.
 * Control statements become blanks; the lines between `if`/`else`/`end` get a branch path
 * so that two directives in different branches of one `if` are never both counted.
 *
 * `${VAR}` is not a template marker: it is nginx's (and Apache's, and HAProxy's) own
 * variable syntax.
 */

/** The character an unknown template value is made of. */
export const UNKNOWN = '\uE000';

/** True when a value holds a template expression (its real value is unknown). */
export function isUnknown(value: string): boolean {
  return value.includes(UNKNOWN);
}

/** File name endings that mark a template. */
const TEMPLATE_EXT = /\.(j2|jinja2?|tmpl|tpl|template|erb|mustache|hbs|gotmpl|dist)$/i;

/** True when a file name says the file is a template. */
export function isTemplateName(name: string): boolean {
  return TEMPLATE_EXT.test(name);
}

/** The name without its template ending (`nginx.conf.j2` → `nginx.conf`). */
export function stripTemplateExt(name: string): string {
  return name.replace(TEMPLATE_EXT, '');
}

/** True when a text holds template markers. */
export function hasTemplateMarkers(text: string): boolean {
  return /\{\{|\{%/.test(text);
}

/** A text with its template markers neutralised, and the branch of each line. */
export interface Detemplated {
  readonly text: string;
  /** Per line (1-based index), the branch path: '' outside any control block. */
  readonly branch: readonly string[];
  /** True when anything was replaced. */
  readonly templated: boolean;
}

const OPEN = /^(if|for|macro|block|with|range|define|call|filter|raw|unless|set\s+\w+\s*$)\b/;
const MIDDLE = /^(else|elif|elsif|else\s+if)\b/;
const CLOSE = /^(end\w*)\b/;

/** Neutralise Jinja/Helm markers (see the module comment). Never throws. */
export function detemplate(text: string): Detemplated {
  if (!/\{\{|\{%|\{#/.test(text)) return { text, branch: [], templated: false };
  const out: string[] = [];
  const branch: string[] = [''];
  const stack: { id: number; arm: number }[] = [];
  let nextId = 0;
  let line = 1;
  let path = '';
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  const setPath = () => {
    path = stack.map((s) => `${s.id}.${s.arm}`).join('/');
  };
  let i = 0;
  const n = text.length;
  while (i < n) {
    const two = text.slice(i, i + 2);
    if (two === '{{' || two === '{%' || two === '{#') {
      const close = two === '{{' ? '}}' : two === '{%' ? '%}' : '#}';
      let j = text.indexOf(close, i + 2);
      if (j < 0) j = n - 2;
      const whole = text.slice(i, j + 2);
      const inner = whole
        .slice(2, -2)
        .replace(/^[-+~]?\s*/, '')
        .replace(/\s*[-+~]?$/, '');
      let statement = two === '{%';
      if (
        two === '{{' &&
        /^(if|else|end|range|with|define|block|template|include|\/\*)\b/.test(inner)
      )
        statement = true;
      if (two === '{{' && /^-?\s*(if|else|end|range|with|define)\b/.test(inner)) statement = true;
      if (statement || two === '{#') {
        if (statement) {
          if (MIDDLE.test(inner) && stack.length > 0) {
            stack[stack.length - 1]!.arm++;
          } else if (CLOSE.test(inner)) {
            stack.pop();
          } else if (OPEN.test(inner) && !/^set\b/.test(inner)) {
            stack.push({ id: nextId++, arm: 0 });
          }
          setPath();
        }
        out.push(blank(whole));
      } else {
        out.push(whole.replace(/[^\n]/g, UNKNOWN));
      }
      for (const c of whole) {
        if (c === '\n') {
          line++;
          branch[line] = path;
        }
      }
      branch[line] = path;
      i = j + 2;
      continue;
    }
    const c = text[i]!;
    out.push(c);
    if (c === '\n') {
      line++;
      branch[line] = path;
    }
    i++;
  }
  return { text: out.join(''), branch, templated: true };
}

/**
 * True when two lines can be in one rendering: false only when they sit in different arms
 * of the same `if` (two separate `if`s can both be true).
 */
export function sameRun(a: string, b: string): boolean {
  if (a === b || a === '' || b === '') return true;
  const arms = new Map(a.split('/').map((s) => s.split('.') as [string, string]));
  for (const seg of b.split('/')) {
    const [id, arm] = seg.split('.') as [string, string];
    const other = arms.get(id);
    if (other !== undefined && other !== arm) return false;
  }
  return true;
}
