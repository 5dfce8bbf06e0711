/**
 * Helpers the Node-based adapters share: accessor descriptors that read the resolved view
 * instead of re-parsing headers. @internal
 */
import type { View } from '../core/index.js';
import { VIEW_KEY } from '../node/middleware.js';

type Carrier = { [VIEW_KEY]?: View };

/** The view on `obj`, or on the Node request under it (`obj.raw`, `obj.req`). @internal */
export function viewOn(obj: unknown): View | undefined {
  const own = (obj as Carrier)[VIEW_KEY];
  if (own !== undefined) return own;
  const r = obj as { raw?: Carrier; req?: Carrier };
  return (r.raw ?? r.req)?.[VIEW_KEY];
}

/**
 * Define accessors that answer from the view on the immediate prototype of `obj` (a
 * framework's per-app or per-context request prototype), once per prototype. Without a
 * view they answer from the parent prototype's own accessor, exactly as before. This is
 * one WeakSet lookup per request; defining properties on each request object instead
 * would push it into V8's slow dictionary mode. @internal
 */
export function patchPrototypeOf(
  obj: object,
  descriptors: Readonly<Record<string, (view: View) => unknown>>,
  patched: WeakSet<object>,
  extra?: PropertyDescriptorMap,
): void {
  const proto = Object.getPrototypeOf(obj) as object | null;
  if (proto === null || patched.has(proto)) return;
  patched.add(proto);
  const parent = Object.getPrototypeOf(proto) as object | null;
  for (const [name, pick] of Object.entries(descriptors)) {
    Object.defineProperty(proto, name, {
      configurable: true,
      enumerable: true,
      get(this: object): unknown {
        const view = viewOn(this);
        if (view !== undefined) return pick(view);
        return parent === null ? undefined : Reflect.get(parent, name, this);
      },
    });
  }
  if (extra !== undefined) Object.defineProperties(proto, extra);
}

/** The addresses beyond the socket peer, farthest first (Express's and Koa's `ips`). @internal */
export function farthestFirst(view: View): string[] {
  if (!view.peerTrusted) return [];
  const out: string[] = [];
  const hops = view.hops;
  for (let i = hops.length - 1; i >= 1; i--) out.push(hops[i]!.address);
  return out;
}
