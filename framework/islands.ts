/**
 * Server side of islands: a registry of island components, a Preact `options.vnode` hook that wraps
 * rendered islands in `<frsh-island>` markers, the per-render record of the islands used, and the
 * inline boot script (whose SHA-256 goes into the CSP).
 * @module
 */
import { type ComponentType, h, options, type VNode } from "preact";
import { createHash } from "node:crypto";
import { createSerializeState, serializeProps, type SerializeState } from "./serialize.ts";

/** The inline boot script: reads the island state and hands it to the runtime module. */
export const BOOT_SCRIPT =
  `const s=JSON.parse(document.getElementById("__FRSH_STATE").textContent);import(s.runtime).then(m=>m.boot(s));`;

/** CSP source for the boot script, e.g. `'sha256-…'`. */
export const BOOT_SCRIPT_CSP_HASH = `'sha256-${createHash("sha256").update(BOOT_SCRIPT).digest("base64")}'`;

/** An island rendered on a page. */
export interface RenderedIsland {
  name: string;
  key: number;
  props: unknown;
}

/** Record of one synchronous render. */
export interface RenderRecord {
  islands: RenderedIsland[];
  serialize: SerializeState;
  /** Props object of the outermost island being rendered (nested islands are not wrapped). */
  activeIsland: unknown;
}

// deno-lint-ignore no-explicit-any
type AnyComponent = ComponentType<any>;

const islandNames = new Map<AnyComponent, string>();
const wrappers = new Map<AnyComponent, AnyComponent>();
const wrapperSet = new Set<AnyComponent>();
let current: RenderRecord | null = null;
let bypass = false;

/** Registers a component as the island `name` (called when `fsRoutes()` loads `islands/`). */
export function registerIsland(name: string, component: AnyComponent): void {
  islandNames.set(component, name);
  if (wrappers.has(component)) return;
  const Original = component;
  const Wrapper = (props: Record<string, unknown>): VNode => {
    bypass = true;
    const inner = h(Original, props);
    bypass = false;
    const rec = current;
    if (!rec || rec.activeIsland !== null) return inner;
    const key = rec.islands.length;
    const encoded = serializeProps(name, props, rec.serialize);
    rec.islands.push({ name, key, props: encoded });
    rec.activeIsland = props;
    return h("frsh-island", { "data-island": name, "data-key": String(key) }, inner) as VNode;
  };
  Object.defineProperty(Wrapper, "name", { value: `Island(${name})` });
  wrappers.set(component, Wrapper);
  wrapperSet.add(Wrapper);
}

/** True when the component is a registered island. */
export function isIsland(component: unknown): boolean {
  return islandNames.has(component as AnyComponent);
}

const prevVnode = options.vnode;
options.vnode = (vnode: VNode) => {
  if (!bypass && typeof vnode.type === "function") {
    const w = wrappers.get(vnode.type);
    if (w) (vnode as { type: unknown }).type = w;
  }
  prevVnode?.(vnode);
};

const prevDiffed = options.diffed;
options.diffed = (vnode: VNode) => {
  if (current !== null && current.activeIsland !== null && vnode.props === current.activeIsland) {
    if (wrapperSet.has(vnode.type as AnyComponent)) current.activeIsland = null;
  }
  prevDiffed?.(vnode);
};

/**
 * Runs a synchronous render while recording the islands it renders.
 * @returns the render's result and the record
 */
export function withIslandRecord<T>(render: () => T): { result: T; record: RenderRecord } {
  const record: RenderRecord = { islands: [], serialize: createSerializeState(), activeIsland: null };
  const prev = current;
  current = record;
  try {
    return { result: render(), record };
  } finally {
    current = prev;
    bypass = false;
  }
}
