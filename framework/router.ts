/**
 * Route patterns: file paths → patterns (Fresh's rules, malformed names refused), priority order, and
 * compiled matchers for file routes and folder prefixes.
 *
 * Pattern syntax (a subset of URLPattern's, as Fresh writes it): `/text`, `:name` parameters inside a
 * segment (`/:mod@:version`, `/:file.json`), `/:rest*` (zero or more segments) and `{/:name}?` (an
 * optional segment).
 * @module
 */

const GROUP_RE = /^\([^()/]+\)$/;
const NAME = "[A-Za-z_$][\\w$]*";
const NAME_RE = new RegExp(`^${NAME}$`);
const REST_PART_RE = new RegExp(`^\\[\\.\\.\\.(${NAME})\\]$`);
const OPTIONAL_PART_RE = new RegExp(`^\\[\\[(${NAME})\\]\\]$`);
const REST_SEG_RE = new RegExp(`^:(${NAME})\\*$`);
const PARAM_IN_TEXT_RE = new RegExp(`:(${NAME})`, "g");

/** True for a `(group)` folder name: it groups files without being part of the URL. */
export function isGroup(name: string): boolean {
  return GROUP_RE.test(name);
}

/**
 * Converts a route file path (relative to `routes/`, without extension, e.g. `(shop)/loans/[id]`) into
 * a pattern (`/loans/:id`), as Fresh does: `index` maps to its folder, `(group)` folders vanish,
 * `[name]` is a parameter (several may share a segment, with text between them), `[...rest]` becomes
 * `:rest*`, and a whole-segment `[[name]]` an optional segment `{/:name}?`.
 *
 * @throws SyntaxError naming the path for a malformed name: `[a][b]`, an unbalanced `[` or `]`, an
 * empty or non-identifier parameter name, `[[x]]` or `[...x]` that is not a whole segment, or one of
 * the characters `: * ? + { } ( ) \` outside a group folder's parentheses.
 */
export function fileToPattern(relPathNoExt: string): string {
  const parts = relPathNoExt.split("/").filter((p) => p !== "");
  if (parts.length > 0 && parts[parts.length - 1] === "index") parts.pop();
  let route = "";
  for (const part of parts) {
    if (GROUP_RE.test(part)) continue;
    route += segmentPattern(part, relPathNoExt);
  }
  return route === "" ? "/" : route;
}

function segmentPattern(part: string, path: string): string {
  const fail = (why: string) => new SyntaxError(`Invalid route file name "${path}": ${why}`);
  const rest = REST_PART_RE.exec(part);
  if (rest) return `/:${rest[1]}*`;
  const optional = OPTIONAL_PART_RE.exec(part);
  if (optional) return `{/:${optional[1]}}?`;
  if (part.includes("[[") || part.includes("]]")) {
    throw fail("an optional parameter [[name]] must be a whole segment");
  }
  if (part.includes("][")) {
    throw fail("a parameter cannot be followed by another parameter without any characters in between");
  }
  if (part.includes("[...")) throw fail("a catch-all [...name] must be a whole segment");
  let out = "/";
  let i = 0;
  while (i < part.length) {
    const c = part[i];
    if (c === "[") {
      const close = part.indexOf("]", i);
      if (close < 0) throw fail(`"[" is not closed`);
      const name = part.slice(i + 1, close);
      if (!NAME_RE.test(name)) throw fail(`"${name}" is not a parameter name (letters, digits, _ or $)`);
      out += `:${name}`;
      i = close + 1;
    } else if (c === "]") {
      throw fail(`"]" without "["`);
    } else if (/[:*?+{}()\\]/.test(c)) {
      throw fail(`"${c}" may not appear in a route name`);
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** One segment of a parsed pattern. */
type Segment =
  | { kind: "text"; text: string; params: boolean }
  | { kind: "rest"; name: string }
  | { kind: "optional"; name: string };

const SEGMENT_RE = new RegExp(`\\{/:(${NAME})\\}\\?|/([^/{]*)`, "y");

function parsePattern(pattern: string): Segment[] {
  if (pattern === "/") return [];
  const out: Segment[] = [];
  let i = 0;
  while (i < pattern.length) {
    SEGMENT_RE.lastIndex = i;
    const m = SEGMENT_RE.exec(pattern);
    if (!m) throw new SyntaxError(`Invalid route pattern "${pattern}"`);
    i = SEGMENT_RE.lastIndex;
    if (m[1] !== undefined) {
      out.push({ kind: "optional", name: m[1] });
      continue;
    }
    const text = m[2];
    const rest = REST_SEG_RE.exec(text);
    if (rest) out.push({ kind: "rest", name: rest[1] });
    else out.push({ kind: "text", text, params: text.includes(":") });
  }
  return out;
}

/** Priority of a segment: static text beats `:param`, which beats `{/:optional}?`, which beats `:rest*`. */
function segmentRank(seg: Segment): number {
  if (seg.kind === "rest") return 3;
  if (seg.kind === "optional") return 2;
  return seg.params ? 1 : 0;
}

/**
 * Orders two patterns so that more specific ones come first: segment by segment, static beats
 * `:param` beats `{/:optional}?` beats `:rest*`; a pattern that ends earlier comes first; ties break
 * alphabetically.
 */
export function comparePatterns(a: string, b: string): number {
  const as = parsePattern(a);
  const bs = parsePattern(b);
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

/**
 * Literal route text as it appears in a request's (encoded) pathname: encoded exactly as the URL
 * parser encodes a path (`中` → `%E4%B8%AD`, while `@`, `:` or `.` stay as they are).
 */
function encodePathText(text: string): string {
  return new URL(text.replace(/[#?%]/g, encodeURIComponent), "http://x/").pathname.slice(1);
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

/** The regular expression source of a pattern's segments, and its parameter names in order. */
function patternSource(segs: Segment[], prefixOnly: boolean): { source: string; names: string[] } {
  const names: string[] = [];
  let src = "^";
  for (const seg of segs) {
    if (seg.kind === "rest") {
      names.push(seg.name);
      return { source: src + "(?:/(.*))?$", names };
    }
    if (seg.kind === "optional") {
      names.push(seg.name);
      src += "(?:/([^/]+))?";
      continue;
    }
    src += textSource(seg.text, names);
  }
  if (prefixOnly) return { source: src + "(?:/.*)?$", names };
  return { source: (segs.length === 0 ? src + "/" : src) + "$", names };
}

/**
 * The regular expression source of one text segment (`/loans`, `/:id`, `/x-:id.pdf`): literal text
 * encoded as in a URL's path and escaped, each `:name` a `([^/]+?)` group whose name is appended to `names`.
 */
function textSource(seg: string, names: string[]): string {
  let src = "/";
  let last = 0;
  for (const m of seg.matchAll(PARAM_IN_TEXT_RE)) {
    src += escapeRegExp(encodePathText(seg.slice(last, m.index)));
    src += "([^/]+?)";
    names.push(m[1]);
    last = m.index! + m[0].length;
  }
  return src + escapeRegExp(encodePathText(seg.slice(last)));
}

/** Compiles a file-route pattern (`/a/:id/:rest*`, `/docs{/:page}?`) into a fast matcher. */
export function compilePattern(pattern: string): CompiledPattern {
  const segs = parsePattern(pattern);
  const isStatic = segs.every((s) => s.kind === "text" && !s.params);
  const staticPath = isStatic
    ? (segs.length === 0 ? "/" : segs.map((s) => "/" + encodePathText((s as { text: string }).text)).join(""))
    : "";
  const { source, names } = patternSource(segs, false);
  const re = new RegExp(source);
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

  /** Adds routes; they are sorted by priority once. For two equal patterns the first one wins. */
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

  /** The route whose static pattern is exactly this encoded pathname. */
  matchStatic(pathname: string): { value: T; params: Record<string, string> } | null {
    const s = this.#static.get(pathname);
    return s === undefined ? null : { value: s, params: {} };
  }

  /** The first dynamic route (in priority order) matching the encoded pathname. */
  matchDynamic(pathname: string): { value: T; params: Record<string, string> } | null {
    for (const { compiled, value } of this.#dynamic) {
      const params = compiled.match(pathname);
      if (params) return { value, params };
    }
    return null;
  }

  /** Finds the best route for an encoded pathname. */
  match(pathname: string): { value: T; params: Record<string, string> } | null {
    return this.matchStatic(pathname) ?? this.matchDynamic(pathname);
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
    const dynamic: { pattern: string; segs: Segment[]; value: T }[] = [];
    for (const [pattern, value] of entries) {
      const compiled = compilePattern(pattern);
      const segs = parsePattern(pattern);
      if (compiled.isStatic) {
        if (!this.#static.has(compiled.staticPath)) {
          this.#static.set(compiled.staticPath, { value, depth: segs.length });
        }
      } else {
        dynamic.push({ pattern, segs, value });
      }
    }
    dynamic.sort((a, b) => b.segs.length - a.segs.length || comparePatterns(a.pattern, b.pattern));
    for (const { segs, value } of dynamic) {
      const { source, names } = patternSource(segs, true);
      this.#dynamic.push({ re: new RegExp(source), names, depth: segs.length, value });
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

/**
 * The decoded params of a match (groups in `names` order; empty for an absent group), decoded as Fresh
 * does, with `decodeURI` (so `%2F` stays `%2F`); null on a malformed escape.
 */
function decodeParams(names: string[], m: RegExpExecArray): Record<string, string> | null {
  const params: Record<string, string> = {};
  try {
    for (let i = 0; i < names.length; i++) {
      params[names[i]] = m[i + 1] ? decodeURI(m[i + 1]) : "";
    }
  } catch {
    return null;
  }
  return params;
}
