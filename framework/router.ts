/**
 * Route patterns: conversion of file paths to patterns, priority order, and compiled matchers.
 * @module
 */

/** One segment's kind, in priority order: static beats param beats rest. */
const enum SegmentRank {
  Static = 0,
  Param = 1,
  Rest = 2,
}

const GROUP_RE = /^\(.+\)$/;
const PARAM_RE = /\[(\.\.\.)?([A-Za-z_$][\w$]*)\]/g;

/**
 * Converts a route file path (relative to `routes/`, without extension, e.g. `(shop)/loans/[id]`)
 * into a pattern (`/loans/:id`). `index` maps to its folder, `(group)` folders vanish,
 * `[...rest]` becomes `:rest*`.
 */
export function fileToPattern(relPathNoExt: string): string {
  const parts = relPathNoExt.split("/").filter((p) => p !== "" && !GROUP_RE.test(p));
  if (parts.length > 0 && parts[parts.length - 1] === "index") parts.pop();
  const segs = parts.map((p) =>
    p.replace(PARAM_RE, (_m, rest: string | undefined, name: string) => rest ? `:${name}*` : `:${name}`)
  );
  return "/" + segs.join("/");
}

function segmentRank(seg: string): SegmentRank {
  if (/^:[\w$]+\*$/.test(seg)) return SegmentRank.Rest;
  if (seg.includes(":")) return SegmentRank.Param;
  return SegmentRank.Static;
}

/**
 * Orders two patterns so that more specific ones come first: segment by segment, static beats
 * `:param` beats `:rest*`; a pattern that ends earlier comes first; ties break alphabetically.
 */
export function comparePatterns(a: string, b: string): number {
  const as = a === "/" ? [] : a.slice(1).split("/");
  const bs = b === "/" ? [] : b.slice(1).split("/");
  const n = Math.max(as.length, bs.length);
  for (let i = 0; i < n; i++) {
    if (i >= as.length) return -1;
    if (i >= bs.length) return 1;
    const ra = segmentRank(as[i]);
    const rb = segmentRank(bs[i]);
    if (ra !== rb) return ra - rb;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A compiled pattern: `match(pathname)` returns the decoded params or null. */
export interface CompiledPattern {
  /** The pattern source, e.g. `/loans/:id`. */
  readonly pattern: string;
  /** True when the pattern has no parameters (matched through a map lookup). */
  readonly isStatic: boolean;
  /** The encoded pathname a static pattern matches. */
  readonly staticPath: string;
  /** Matches an encoded pathname; returns decoded params, or null (also for malformed escapes). */
  match(pathname: string): Record<string, string> | null;
}

/** Compiles a file-route pattern (`/a/:id/:rest*`) into a fast matcher. */
export function compilePattern(pattern: string): CompiledPattern {
  const segs = pattern === "/" ? [] : pattern.slice(1).split("/");
  const names: string[] = [];
  let src = "^";
  let isStatic = true;
  for (const seg of segs) {
    const rest = /^:([\w$]+)\*$/.exec(seg);
    if (rest) {
      names.push(rest[1]);
      src += "(?:/(.*))?";
      isStatic = false;
      continue;
    }
    const before = names.length;
    src += segmentSource(seg, names);
    if (names.length > before) isStatic = false;
  }
  if (segs.length === 0) src += "/";
  src += "$";
  const staticPath = isStatic ? (segs.length === 0 ? "/" : "/" + segs.map(encodeURIComponent).join("/")) : "";
  const re = new RegExp(src);
  return {
    pattern,
    isStatic,
    staticPath,
    match(pathname) {
      if (isStatic) return pathname === staticPath ? {} : null;
      const m = re.exec(pathname);
      return m ? decodeParams(names, m) : null;
    },
  };
}

/**
 * A set of routes matched by priority: static patterns through a `Map`, the rest through
 * precompiled regular expressions in priority order.
 */
export class PatternTable<T> {
  #static = new Map<string, T>();
  #dynamic: { compiled: CompiledPattern; value: T }[] = [];

  /** Adds routes; they are sorted by priority once. */
  constructor(entries: Iterable<[pattern: string, value: T]>) {
    const list = [...entries].sort((a, b) => comparePatterns(a[0], b[0]));
    for (const [pattern, value] of list) {
      const compiled = compilePattern(pattern);
      if (compiled.isStatic) {
        if (!this.#static.has(compiled.staticPath)) this.#static.set(compiled.staticPath, value);
      } else {
        this.#dynamic.push({ compiled, value });
      }
    }
  }

  /** Finds the best route for an encoded pathname. */
  match(pathname: string): { value: T; params: Record<string, string> } | null {
    const s = this.#static.get(pathname);
    if (s !== undefined) return { value: s, params: {} };
    for (const { compiled, value } of this.#dynamic) {
      const params = compiled.match(pathname);
      if (params) return { value, params };
    }
    return null;
  }
}

/**
 * Folder URL prefixes (`/`, `/admin`, `/users/:id`), matched to find the deepest folder that contains a
 * path, e.g. `/admin/nope/x` → `/admin`. Built once at startup; a lookup walks the path's own prefixes
 * through a `Map` (static folders) and only tries the few dynamic folders deeper than that.
 */
export class PrefixTable<T> {
  #static = new Map<string, { value: T; depth: number }>();
  /** Dynamic prefixes, deepest first, then by route priority. */
  #dynamic: { re: RegExp; names: string[]; depth: number; value: T }[] = [];

  /** Adds folder prefixes; for two equal patterns the first one wins. */
  constructor(entries: Iterable<[pattern: string, value: T]>) {
    const dynamic: { pattern: string; depth: number; value: T }[] = [];
    for (const [pattern, value] of entries) {
      const compiled = compilePattern(pattern);
      const depth = pattern === "/" ? 0 : pattern.slice(1).split("/").length;
      if (compiled.isStatic) {
        if (!this.#static.has(compiled.staticPath)) this.#static.set(compiled.staticPath, { value, depth });
      } else {
        dynamic.push({ pattern, depth, value });
      }
    }
    dynamic.sort((a, b) => b.depth - a.depth || comparePatterns(a.pattern, b.pattern));
    for (const { pattern, depth, value } of dynamic) {
      const { source, names } = prefixSource(pattern);
      this.#dynamic.push({ re: new RegExp(source), names, depth, value });
    }
  }

  /** The deepest prefix of an encoded pathname (a static folder beats a dynamic one of equal depth). */
  match(pathname: string): { value: T; params: Record<string, string> } | null {
    let best: { value: T; depth: number } | undefined;
    let p = pathname;
    while (true) {
      best = this.#static.get(p === "" ? "/" : p);
      if (best !== undefined || p === "") break;
      p = p.slice(0, p.lastIndexOf("/"));
    }
    for (const d of this.#dynamic) {
      if (best !== undefined && d.depth <= best.depth) break;
      const m = d.re.exec(pathname);
      const params = m && decodeParams(d.names, m);
      if (params) return { value: d.value, params };
    }
    return best === undefined ? null : { value: best.value, params: {} };
  }
}

/** A regular expression source matching `pattern` and anything below it. */
function prefixSource(pattern: string): { source: string; names: string[] } {
  const segs = pattern === "/" ? [] : pattern.slice(1).split("/");
  const names: string[] = [];
  let src = "^";
  for (const seg of segs) {
    const rest = /^:([\w$]+)\*$/.exec(seg);
    if (rest) {
      names.push(rest[1]);
      return { source: src + "(?:/(.*))?$", names };
    }
    src += segmentSource(seg, names);
  }
  return { source: src + "(?:/.*)?$", names };
}

/**
 * The regular expression source of one path segment (`/loans`, `/:id`, `/x-:id.pdf`): literal text
 * URL-encoded and escaped, each `:name` a `([^/]+)` group whose name is appended to `names`.
 */
function segmentSource(seg: string, names: string[]): string {
  let src = "/";
  let last = 0;
  for (const m of seg.matchAll(/:([\w$]+)/g)) {
    src += escapeRegExp(encodeURIComponent(seg.slice(last, m.index)));
    src += "([^/]+)";
    names.push(m[1]);
    last = m.index! + m[0].length;
  }
  return src + escapeRegExp(encodeURIComponent(seg.slice(last)));
}

/** The decoded params of a match (groups in `names` order; empty for an absent group); null on a malformed escape. */
function decodeParams(names: string[], m: RegExpExecArray): Record<string, string> | null {
  const params: Record<string, string> = {};
  try {
    for (let i = 0; i < names.length; i++) {
      params[names[i]] = m[i + 1] ? decodeURIComponent(m[i + 1]) : "";
    }
  } catch {
    return null;
  }
  return params;
}
