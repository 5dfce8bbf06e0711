/**
 * What the HTML reports of `audit` and `lint` share: escaping, the page shell with its
 * Content-Security-Policy and style sheet, status badges, and the chain drawing (inline SVG).
 *
 * The page holds no script and loads nothing: the policy is `default-src 'none'`, the one
 * inline style sheet is allowed by its SHA-256 hash, images only as `data:`. Every piece of
 * text from a target or a file goes through {@link html}: control characters and bidi
 * overrides become visible `\xHH`/`\uHHHH` ({@link escapeControls}), then `& < > " '` become
 * entities, so nothing a server sends can open a tag, an attribute or a link. The only links
 * are the report's own `#anchors`, whose ids the renderer makes from indexes and check ids.
 */
import { createHash } from 'node:crypto';
import { escapeControls } from '../audit/report/escape.js';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Text made safe for HTML text and attribute values (and SVG text): controls and bidi
 * characters made visible, then the five special characters as entities.
 */
export function html(text: string): string {
  return escapeControls(String(text)).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Shorten text to `max` characters (an ellipsis marks the cut); before escaping. */
export function clip(text: string, max: number): string {
  const t = escapeControls(String(text));
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** The style sheet of both reports. Screen and print. */
export const CSS = `
:root{--pass:#137333;--fail:#c5221f;--warn:#b06000;--skip:#5f6368;--error:#8430ce;--info:#1a73e8;--line:#dadce0;--bg:#f8f9fa;color-scheme:light}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#202124;background:#fff}
main{max-width:1160px;margin:0 auto;padding:16px 20px 40px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{background:var(--bg);border:1px solid var(--line);padding:8px;margin:6px 0;white-space:pre-wrap;overflow-wrap:anywhere}
.muted{color:#5f6368}.small{font-size:12.5px}
header.top{display:flex;gap:20px;align-items:center;flex-wrap:wrap;padding:14px 16px;border:1px solid var(--line);border-radius:8px;background:var(--bg)}
.verdict{font-size:26px;font-weight:700;padding:8px 18px;border-radius:8px;color:#fff;letter-spacing:.5px}
.v-pass{background:var(--pass)}.v-fail{background:var(--fail)}.v-warn{background:var(--warn)}.v-error{background:var(--error)}.v-skip{background:var(--skip)}.v-info{background:var(--info)}
.counts{display:flex;gap:8px;flex-wrap:wrap}
.count{border:1px solid var(--line);border-radius:16px;padding:2px 10px;background:#fff}
.count b{margin-right:4px}
.badge{display:inline-block;min-width:54px;text-align:center;font-weight:700;font-size:11.5px;padding:1px 6px;border-radius:4px;color:#fff;text-transform:uppercase}
.b-pass{background:var(--pass)}.b-fail{background:var(--fail)}.b-warn{background:var(--warn)}.b-skip{background:var(--skip)}.b-error{background:var(--error)}.b-info{background:var(--info)}.b-warning{background:var(--warn)}.b-suppressed{background:var(--skip)}
.t-pass{color:var(--pass)}.t-fail{color:var(--fail)}.t-warn{color:var(--warn)}.t-skip{color:var(--skip)}.t-error{color:var(--error)}
.item{border:1px solid var(--line);border-left:5px solid var(--skip);border-radius:6px;padding:8px 12px;margin:8px 0}
.item.s-pass{border-left-color:var(--pass)}.item.s-fail{border-left-color:var(--fail)}.item.s-warn{border-left-color:var(--warn)}.item.s-error{border-left-color:var(--error)}.item.s-info{border-left-color:var(--info)}
.item .head{display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}
.item .id{font-weight:600}
.fix{margin:6px 0 0;padding:6px 8px;background:#fef7e0;border-radius:4px}
.fix::before{content:"Fix: ";font-weight:600}
details{margin:6px 0}
summary{cursor:pointer;color:#1a0dab}
details[open]>summary{margin-bottom:4px}
table.grid{border-collapse:collapse;margin:8px 0;font-size:12.5px}
table.grid th,table.grid td{border:1px solid var(--line);padding:3px 6px;text-align:center}
table.grid th.t,table.grid td.t{text-align:left;max-width:360px;overflow-wrap:anywhere}
table.grid thead th{background:var(--bg);writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:600;padding:6px 3px}
table.grid thead th.t{writing-mode:horizontal-tb;transform:none}
table.grid a{text-decoration:none;display:block;font-weight:700}
a{color:#1a0dab}
.chain{margin:8px 0;overflow-x:auto}
.chain svg{max-width:100%;height:auto;font-family:system-ui,sans-serif}
.chain .node{fill:#fff;stroke:#5f6368;stroke-width:1.2}
.chain .node.marked{stroke:var(--fail);stroke-width:3;fill:#fce8e6}
.chain .t1{font-size:13px;font-weight:700;fill:#202124}
.chain .t2{font-size:11px;fill:#3c4043;font-family:ui-monospace,Menlo,Consolas,monospace}
.chain .bad{fill:var(--fail);font-weight:700}
.chain .mark{font-size:11px;fill:var(--fail);font-weight:700}
.chain .edge{stroke:#5f6368;stroke-width:1.5;fill:none}
.chain .head{fill:#5f6368}
footer{margin-top:30px;color:#5f6368;font-size:12px}
@media print{
  main{max-width:none;padding:0}
  details::details-content{content-visibility:visible;display:block}
  details>summary{color:#202124}
  .item{break-inside:avoid}
  a{color:inherit;text-decoration:none}
}
`;

/** The Content-Security-Policy of a page whose only inline style sheet is `css`. */
export function contentSecurityPolicy(css: string): string {
  const hash = createHash('sha256').update(css, 'utf8').digest('base64');
  return `default-src 'none'; style-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`;
}

/** A complete page: the policy, the style sheet, the title and the body (already HTML). */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(CSS)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** Count chips: `[count, label, tone class]` each. */
export function countChips(chips: readonly (readonly [number, string, string])[]): string {
  return `<div class="counts">${chips
    .map(([n, label, tone]) => `<span class="count ${tone}"><b>${n}</b>${label}</span>`)
    .join('')}</div>`;
}

/**
 * The report's head: the verdict at a glance (`word` in its class `cls`), the title, one
 * line of facts (`metaHtml`, HTML already) and the counts (HTML already).
 */
export function reportHeader(
  word: string,
  cls: string,
  title: string,
  metaHtml: string,
  countsHtml: string,
): string {
  return `<header class="top"><div class="verdict ${cls}">${html(word)}</div><div><h1>${html(title)}</h1><div class="muted small">${metaHtml}</div>${countsHtml}</div></header>`;
}

/** The report's foot: who made it, in which schema. */
export function reportFooter(version: string, schema: string): string {
  return `<footer>Generated by proxytrust ${html(version)} (schema ${html(schema)}). A self-contained page: no script, nothing loaded.</footer>`;
}

/**
 * A status or severity badge. `word` is one of the report's own words; its colour is
 * `tone`'s (default the word's own: pass, fail, warn, skip, error, info, warning).
 */
export function badge(word: string, tone: string = word): string {
  return `<span class="badge b-${html(tone)}">${html(word)}</span>`;
}

/** A folded block: `summaryHtml` and `bodyHtml` are HTML already. */
export function fold(summaryHtml: string, bodyHtml: string, open = false): string {
  return `<details${open ? ' open' : ''}><summary>${summaryHtml}</summary>${bodyHtml}</details>`;
}

/** One line of a drawn hop; `bad` draws it in the failure colour. */
export interface DrawnLine {
  readonly text: string;
  readonly bad?: boolean;
}

/** One box of the chain drawing. */
export interface DrawnHop {
  readonly title: string;
  readonly lines: readonly DrawnLine[];
  /** Set when a finding's fix belongs to this hop: the check or rule ids, said under the box. */
  readonly marks?: readonly string[];
}

const BOX_W = 230;
const GAP = 46;
const LINE_H = 15;
const MAX_CHARS = 32;
const MAX_LINES = 12;

/**
 * The chain as inline SVG: one box per hop, left to right, with arrows between. A hop with
 * marks gets a red frame and "fix here: ids" under it. Text is clipped to the box (the full
 * text is the box's `<title>`, shown as a tooltip) and escaped.
 */
export function drawChain(hops: readonly DrawnHop[], caption: string): string {
  const lineCount = Math.max(1, ...hops.map((h) => Math.min(h.lines.length, MAX_LINES + 1)));
  const boxH = 34 + lineCount * LINE_H;
  const markH = hops.some((h) => h.marks && h.marks.length > 0) ? 3 * LINE_H : 0;
  const width = hops.length * BOX_W + (hops.length - 1) * GAP + 20;
  const height = boxH + markH + 20;
  const parts: string[] = [];
  hops.forEach((h, i) => {
    const x = 10 + i * (BOX_W + GAP);
    const y = 10;
    const marked = h.marks !== undefined && h.marks.length > 0;
    const full = [h.title, ...h.lines.map((l) => l.text)].join('\n');
    parts.push(
      `<g class="hop${marked ? ' marked' : ''}" data-hop="${i}"><title>${html(full)}</title>`,
      `<rect class="node${marked ? ' marked' : ''}" x="${x}" y="${y}" width="${BOX_W}" height="${boxH}" rx="8"/>`,
      `<text class="t1" x="${x + 10}" y="${y + 20}">${html(clip(h.title, 27))}</text>`,
    );
    const shown = h.lines.slice(0, MAX_LINES);
    shown.forEach((l, j) => {
      parts.push(
        `<text class="t2${l.bad ? ' bad' : ''}" x="${x + 10}" y="${y + 40 + j * LINE_H}">${html(clip(l.text, MAX_CHARS))}</text>`,
      );
    });
    if (h.lines.length > shown.length)
      parts.push(
        `<text class="t2" x="${x + 10}" y="${y + 40 + shown.length * LINE_H}">(${h.lines.length - shown.length} more)</text>`,
      );
    if (marked) {
      const ids = h.marks!.join(', ');
      parts.push(
        `<text class="mark" x="${x + 4}" y="${y + boxH + LINE_H + 2}">fix here:</text>`,
        `<text class="mark" x="${x + 4}" y="${y + boxH + 2 * LINE_H + 2}">${html(clip(ids, 40))}</text>`,
      );
    }
    parts.push('</g>');
    if (i < hops.length - 1) {
      const x1 = x + BOX_W;
      const x2 = x1 + GAP;
      const ym = y + 22;
      parts.push(
        `<path class="edge" d="M${x1 + 2} ${ym} H${x2 - 8}"/>`,
        `<path class="head" d="M${x2 - 2} ${ym} l-8 -5 v10 z"/>`,
      );
    }
  });
  return `<figure class="chain"><svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><title>${html(caption)}</title>${parts.join('')}</svg><figcaption class="muted small">${html(caption)}</figcaption></figure>`;
}

/** `n word` with the word pluralised by `s` when n is not 1. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
