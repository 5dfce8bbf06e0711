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
 * An accessor that answers from the view, or falls back to the framework's own getter
 * (found on the prototype chain) when no view is attached. @internal
 */
export function viewGetter<T>(name: string, pick: (view: View) => T): PropertyDescriptor {
  return {
    configurable: true,
    enumerable: true,
    get(this: object): unknown {
      const view = viewOn(this);
      if (view !== undefined) return pick(view);
      return Reflect.get(Object.getPrototypeOf(this) as object, name, this);
    },
  };
}

/** The addresses beyond the socket peer, farthest first (Express's and Koa's `ips`). @internal */
export function farthestFirst(view: View): string[] {
  if (!view.peerTrusted) return [];
  const out: string[] = [];
  const hops = view.hops;
  for (let i = hops.length - 1; i >= 1; i--) out.push(hops[i]!.address);
  return out;
}
