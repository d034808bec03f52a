/**
 * Client runtime: hydrates the islands listed in `#__FRSH_STATE`. Bundled by `build.ts` together with
 * the islands (Preact and signals land in one shared chunk); loaded by the inline boot script.
 * @module
 */
import { type ComponentType, h, hydrate } from "preact";
import type { Signal } from "@preact/signals";
import { revive } from "./revive.ts";

/** The JSON state written into the page by the server. */
export interface IslandState {
  /** URL of this runtime module. */
  runtime: string;
  /** `[name, module URL, key, encoded props]` per island in document order. */
  islands: [name: string, url: string, key: number, props: unknown][];
}

/** Hydrates every island of the page. */
export function boot(state: IslandState): Promise<void> {
  const signals = new Map<number, Signal>();
  const jobs = state.islands.map(([name, url, key, encoded]) => {
    const props = revive(encoded, signals) as Record<string, unknown>;
    const el = document.querySelector(`frsh-island[data-key="${key}"]`);
    if (!el) return Promise.resolve();
    return import(url).then((mod: { default: ComponentType }) => {
      hydrate(h(mod.default, props), el);
    }).catch((err) => console.error(`Island "${name}" failed to hydrate`, err));
  });
  return Promise.all(jobs).then(() => {
    document.documentElement.dataset.islandsHydrated = "true";
  });
}
