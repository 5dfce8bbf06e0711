/**
 * Which hop stands in front of which, from what the files say: a proxy's targets against
 * the apps' and proxies' listeners and names. A chain is only reported when every link is
 * shown by the files; otherwise the stage notes that the chain is unknown.
 */
import type { HopModel } from '../model.js';
import type { ChainModel } from '../rule.js';

/** The chains the files show, client-facing hop first. */
export function inferChains(models: readonly HopModel[], notes: string[]): ChainModel[] {
  const proxies = models.filter((m) => m.role === 'proxy');
  const apps = models.filter((m) => m.role === 'app');
  if (proxies.length > 0 && apps.length > 0)
    notes.push(
      'the files hold proxies and apps, but which proxy stands in front of which app is not inferred yet: declare it with --chain',
    );
  return [];
}
