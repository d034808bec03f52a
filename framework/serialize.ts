/**
 * Serialiser for island props (server side). Supports primitives, arrays, plain objects, Date, bigint
 * and @preact/signals signals (revived as signals on the client by `client/revive.ts`); `undefined`
 * is kept. Anything else (functions, class instances, Map, Set, symbols, JSX, circular references)
 * throws an {@linkcode IslandPropError} naming the island and the prop path.
 * @module
 */
import { Signal } from "@preact/signals";

/** Key marking an encoded special value (`{"$$f": tag, ...}`). */
export const TAG = "$$f";

/** Thrown when an island prop cannot be serialised. */
export class IslandPropError extends Error {
  /**
   * @param island island name
   * @param path prop path, e.g. `opts.onChange`
   * @param what description, e.g. `a function`
   */
  constructor(readonly island: string, readonly path: string, what: string) {
    super(`Island "${island}": prop "${path}" is ${what} and cannot be serialised`);
    this.name = "IslandPropError";
  }
}

/** Shared per-page state so one signal passed to several islands stays one signal on the client. */
export interface SerializeState {
  signals: Map<Signal, number>;
}

/** Creates the per-page serialiser state. */
export function createSerializeState(): SerializeState {
  return { signals: new Map() };
}

const IDENT_RE = /^[A-Za-z_$][\w$]*$/;

function childPath(path: string, key: string): string {
  if (IDENT_RE.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function describe(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  if (value instanceof Map) return "a Map";
  if (value instanceof Set) return "a Set";
  if (value instanceof Promise) return "a Promise";
  const obj = value as { constructor?: unknown; type?: unknown; props?: unknown };
  if (
    Object.prototype.hasOwnProperty.call(obj, "constructor") && obj.constructor === undefined &&
    "type" in obj && "props" in obj
  ) return "a JSX element (children are not supported in island props)";
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor
    ?.name;
  return name ? `an instance of ${name}` : "an unsupported object";
}

/**
 * Encodes island props into a JSON-compatible value.
 * @param island island name (for error messages)
 * @param props the props object
 * @param state per-page state (signal identities)
 */
export function serializeProps(
  island: string,
  props: Record<string, unknown>,
  state: SerializeState,
): unknown {
  const stack = new Set<object>();

  function enc(value: unknown, path: string): unknown {
    switch (typeof value) {
      case "string":
      case "boolean":
        return value;
      case "number":
        if (Number.isFinite(value) && !Object.is(value, -0)) return value;
        return { [TAG]: "N", v: Object.is(value, -0) ? "-0" : String(value) };
      case "bigint":
        return { [TAG]: "B", v: value.toString() };
      case "undefined":
        return { [TAG]: "U" };
      case "function":
      case "symbol":
        throw new IslandPropError(island, path || "(props)", describe(value));
    }
    if (value === null) return null;
    const obj = value as object;
    if (stack.has(obj)) throw new IslandPropError(island, path, "a circular reference");
    if (obj instanceof Date) {
      const t = obj.getTime();
      return { [TAG]: "D", v: Number.isNaN(t) ? null : obj.toISOString() };
    }
    if (obj instanceof Signal) {
      const known = state.signals.get(obj);
      if (known !== undefined) return { [TAG]: "R", id: known };
      const id = state.signals.size;
      state.signals.set(obj, id);
      stack.add(obj);
      const v = enc(obj.peek(), `${path}.value`);
      stack.delete(obj);
      return { [TAG]: "S", id, v };
    }
    const proto = Object.getPrototypeOf(obj);
    if (Array.isArray(obj) && proto === Array.prototype) {
      stack.add(obj);
      const out = new Array(obj.length);
      for (let i = 0; i < obj.length; i++) out[i] = enc(obj[i], `${path}[${i}]`);
      stack.delete(obj);
      return out;
    }
    if (proto === Object.prototype || proto === null) {
      if (describe(obj).startsWith("a JSX element")) throw new IslandPropError(island, path, describe(obj));
      stack.add(obj);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(obj)) {
        const v = enc((obj as Record<string, unknown>)[key], childPath(path, key));
        if (key === "__proto__") {
          Object.defineProperty(out, key, { value: v, enumerable: true, writable: true });
        } else out[key] = v;
      }
      stack.delete(obj);
      return TAG in out ? { [TAG]: "O", v: out } : out;
    }
    throw new IslandPropError(island, path, describe(obj));
  }

  const out: Record<string, unknown> = {};
  for (const key of Object.keys(props)) {
    const v = props[key];
    if (v === undefined) continue;
    out[key] = enc(v, childPath("", key));
  }
  return out;
}

/** JSON for a `<script type="application/json">`: `<` is escaped so the data cannot close the tag. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(
    /\u2029/g,
    "\\u2029",
  );
}
