/**
 * Static checks of the rules of the house (DESIGN.md §3, §4), for `tests/architecture_test.ts`. No
 * database, no type checker: a small lexer blanks comments (and, for call checks, string contents) so that
 * prose never counts, then regular expressions find imports, calls and casts; esbuild computes what an
 * island's bundle really contains.
 *
 * Every finding names the file and line. The checks are pure functions of `{ path: source }` (or of a
 * project folder, for the islands), so the test can show each of them failing on fixtures.
 *
 * Limits (heuristics, documented rather than hidden): JSX text is lexed as code, so `//` in JSX text
 * blanks the rest of its line and a lone apostrophe blanks up to the end of its line; an import or call
 * hidden behind those on the same line would be missed. Casts are recognised on `count(…)` / `sum(…)`
 * expressions and on parenthesised expressions that contain them, not on columns that hold a count.
 * @module
 */
import * as esbuild from "esbuild";
import { dirname, join, normalize, relative, resolve, sep } from "node:path";

/** One broken rule at one place. */
export interface Violation {
  rule: RuleName;
  /** Project-relative path, `/`-separated. */
  file: string;
  line: number;
  message: string;
}

/** The rules {@link checkSources} and {@link checkIslandBundles} apply. */
export type RuleName =
  | "routes-no-transaction"
  | "routes-no-integrations"
  | "begin-only-in-db"
  | "islands-server-free"
  | "domain-no-web-layer"
  | "no-int-cast-on-counts";

/** `file:line: [rule] message`, the form every finding is printed in. */
export function formatViolation(v: Violation): string {
  return `${v.file}:${v.line}: [${v.rule}] ${v.message}`;
}

// ---------------------------------------------------------------------------------------------------------
// Lexing

/** After these a `/` starts a regex literal (`<` is left out: in TSX it is far more often `</tag>`). */
const REGEX_PREFIX_CHARS = new Set("(,=:[!&|?{};+-*%>~^".split(""));
const REGEX_PREFIX_WORDS = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "yield",
  "await",
]);

/** What each character of a source is. */
const enum Kind {
  Code = 0,
  Comment = 1,
  /** The text of a '…' or "…" literal (not its quotes). */
  Str = 2,
  /** The text of a `…` literal (not its backticks nor its `${…}` code). */
  Template = 3,
}

/** Classifies every character of a TypeScript source as code, comment, string or template text. */
function classify(src: string): Uint8Array {
  const kinds = new Uint8Array(src.length);
  const mark = (from: number, to: number, kind: Kind) => kinds.fill(kind, from, Math.min(to, src.length));
  const n = src.length;
  let i = 0;
  let mode: "code" | "template" = "code";
  let depth = 0;
  const templateDepths: number[] = [];
  let lastChar = "";
  let lastWord = "";
  while (i < n) {
    const c = src[i];
    if (mode === "template") {
      if (c === "\\") {
        mark(i, i + 2, Kind.Template);
        i += 2;
      } else if (c === "`") {
        mode = "code";
        lastChar = "`";
        lastWord = "";
        i++;
      } else if (c === "$" && src[i + 1] === "{") {
        templateDepths.push(depth);
        mode = "code";
        lastChar = "{";
        lastWord = "";
        i += 2;
      } else {
        mark(i, i + 1, Kind.Template);
        i++;
      }
      continue;
    }
    if (c === "/" && src[i + 1] === "/") {
      const end = src.indexOf("\n", i);
      const stop = end < 0 ? n : end;
      mark(i, stop, Kind.Comment);
      i = stop;
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      mark(i, stop, Kind.Comment);
      i = stop;
      continue;
    }
    if (c === "'" || c === '"') {
      let k = i + 1;
      while (k < n && src[k] !== c && src[k] !== "\n") k += src[k] === "\\" ? 2 : 1;
      mark(i + 1, k, Kind.Str);
      i = k + 1;
      lastChar = c;
      lastWord = "";
      continue;
    }
    if (c === "`") {
      mode = "template";
      i++;
      continue;
    }
    if (c === "{") depth++;
    if (c === "}") {
      if (templateDepths.length > 0 && templateDepths[templateDepths.length - 1] === depth) {
        templateDepths.pop();
        mode = "template";
        i++;
        continue;
      }
      depth--;
    }
    if (
      c === "/" && (lastChar === "" || REGEX_PREFIX_CHARS.has(lastChar) || REGEX_PREFIX_WORDS.has(lastWord))
    ) {
      const end = regexEnd(src, i);
      if (end > 0) {
        i = end;
        lastChar = "/";
        lastWord = "";
        continue;
      }
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[\w$]/.test(c)) {
      let k = i;
      while (k < n && /[\w$]/.test(src[k])) k++;
      lastWord = src.slice(i, k);
      lastChar = src[k - 1];
      i = k;
      continue;
    }
    lastChar = c;
    lastWord = "";
    i++;
  }
  return kinds;
}

/** `src` with the characters of the given kinds replaced by spaces (newlines kept: offsets and lines hold). */
function blankKinds(src: string, kinds: Uint8Array, blank: (kind: Kind) => boolean): string {
  let out = "";
  for (let k = 0; k < src.length; k++) out += src[k] !== "\n" && blank(kinds[k]) ? " " : src[k];
  return out;
}

/**
 * The source with every comment replaced by spaces (and, with `strings: true`, the contents of string and
 * template literals too, keeping `${…}` code), so that offsets and line numbers stay the same.
 */
export function maskSource(src: string, options: { strings?: boolean } = {}): string {
  const kinds = classify(src);
  return blankKinds(src, kinds, (k) => k === Kind.Comment || (options.strings === true && k !== Kind.Code));
}

/** Only the text of template literals (where the SQL is), everything else blanked. */
export function templateText(src: string): string {
  return blankKinds(src, classify(src), (k) => k !== Kind.Template);
}

/** Where a regex literal starting at `start` ends (after its flags), or -1 when there is none on the line. */
function regexEnd(src: string, start: number): number {
  let inClass = false;
  for (let k = start + 1; k < src.length; k++) {
    const c = src[k];
    if (c === "\n") return -1;
    if (c === "\\") {
      k++;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "]") inClass = false;
    else if (c === "/" && !inClass) {
      let e = k + 1;
      while (e < src.length && /[a-z]/.test(src[e])) e++;
      return e;
    }
  }
  return -1;
}

/** Line number (1-based) of each offset, by binary search over line starts. */
function lineIndex(src: string): (offset: number) => number {
  const starts = [0];
  for (let k = 0; k < src.length; k++) if (src[k] === "\n") starts.push(k + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Imports

/** One import (or re-export) statement. */
export interface ImportRef {
  specifier: string;
  line: number;
  /** The imported names (`{ a, b as c }` → `a`, `b`; default → `default`; `* as x` → `*`). */
  names: string[];
  /** `import type …` / `export type …`: erased at compile time. */
  typeOnly: boolean;
}

const STATIC_IMPORT = /\b(import|export)\s+(type\s+)?([\w\s{},*$]*?)\s*\bfrom\s*(["'])([^"'\n]+)\4/g;
const BARE_IMPORT = /\bimport\s*(["'])([^"'\n]+)\1/g;
const DYNAMIC_IMPORT = /\bimport\s*\(\s*(["'])([^"'\n]+)\1\s*\)/g;

/** The imports of a module (comments ignored). */
export function findImports(src: string): ImportRef[] {
  const code = maskSource(src);
  const lineOf = lineIndex(src);
  const refs: ImportRef[] = [];
  for (const m of code.matchAll(STATIC_IMPORT)) {
    const clause = m[3].trim();
    const names: string[] = [];
    let allTypes = true;
    const braces = /\{([^}]*)\}/.exec(clause);
    if (braces) {
      for (const part of braces[1].split(",").map((p) => p.trim()).filter(Boolean)) {
        const isType = part.startsWith("type ");
        if (!isType) allTypes = false;
        names.push(part.replace(/^type\s+/, "").split(/\s+as\s+/)[0].trim());
      }
    }
    const outside = clause.replace(/\{[^}]*\}/, "").replace(/,/g, " ").trim();
    if (outside.startsWith("*")) {
      names.push("*");
      allTypes = false;
    } else if (outside) {
      names.push("default");
      allTypes = false;
    }
    if (!braces && !outside) allTypes = false; // `export * from` (clause "*" handled above) or odd forms
    refs.push({ specifier: m[5], line: lineOf(m.index!), names, typeOnly: Boolean(m[2]) || allTypes });
  }
  for (const re of [BARE_IMPORT, DYNAMIC_IMPORT]) {
    for (const m of code.matchAll(re)) {
      refs.push({ specifier: m[2], line: lineOf(m.index!), names: ["*"], typeOnly: false });
    }
  }
  return refs.sort((a, b) => a.line - b.line);
}

/** The project-relative path an import points at, or `null` for a package (`npm:`, bare, `node:`). */
export function resolveImport(fromFile: string, specifier: string): string | null {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return null;
  const joined = normalize(join(dirname(fromFile), specifier)).split(sep).join("/");
  return joined.startsWith("../") ? null : joined;
}

// ---------------------------------------------------------------------------------------------------------
// The source rules

/** Production code: everything but tests, build output, data and dependencies. */
export function isProductionFile(path: string): boolean {
  return !/^(tests|node_modules|_build|data)\//.test(path);
}

const BEGIN_CALL = /\.\s*begin\s*\(/g;
const TRANSACTION_CALL = /\btransaction\s*\(/g;
const INT_CAST = /::\s*(?:integer|int[248]?|smallint)\b/gi;
const DOMAIN_FORBIDDEN = /^(routes|islands|framework|components)\/|^utils\.ts$/;

/**
 * Applies the source rules to a set of files (`{ "routes/x.tsx": "…source…" }`, paths relative to the
 * project root):
 * - `routes-no-transaction`: a file under `routes/` calls `.begin(` or `transaction(`, or imports
 *   `transaction` (or everything) from `db/tx.ts` — routes call commands, which own the transaction;
 * - `routes-no-integrations`: a file under `routes/` imports anything under `integrations/` — routes get
 *   gateways from the request state, never a sandbox;
 * - `begin-only-in-db`: production code outside `db/` calls `.begin(` — only `db/tx.ts`'s `transaction`
 *   and the migration runner open transactions;
 * - `domain-no-web-layer`: a file under `domain/` imports from `routes/`, `islands/`, `framework/`,
 *   `components/` or `utils.ts`;
 * - `no-int-cast-on-counts`: an `::int` / `::integer` / `::int4` / `::smallint` cast of a `count(…)` or
 *   `sum(…)` (or of a parenthesised expression containing one) — counts and sums are exact int8; a cast of
 *   a parameter (`${n}::integer`) is fine.
 */
export function checkSources(files: Readonly<Record<string, string>>): Violation[] {
  const found: Violation[] = [];
  for (const [file, src] of Object.entries(files)) {
    const lineOf = lineIndex(src);
    const calls = maskSource(src, { strings: true });
    const imports = findImports(src);
    const isRoute = file.startsWith("routes/");

    if (isRoute) {
      for (const m of calls.matchAll(BEGIN_CALL)) {
        found.push({
          rule: "routes-no-transaction",
          file,
          line: lineOf(m.index!),
          message: "a route opens a transaction with .begin(): call a domain command instead",
        });
      }
      for (const m of calls.matchAll(TRANSACTION_CALL)) {
        found.push({
          rule: "routes-no-transaction",
          file,
          line: lineOf(m.index!),
          message: "a route calls transaction(): call a domain command instead",
        });
      }
      for (const ref of imports) {
        const target = resolveImport(file, ref.specifier);
        if (target === "db/tx.ts" && (ref.names.includes("transaction") || ref.names.includes("*"))) {
          found.push({
            rule: "routes-no-transaction",
            file,
            line: ref.line,
            message: `a route imports transaction from db/tx.ts ("${ref.specifier}")`,
          });
        }
        if (target?.startsWith("integrations/")) {
          found.push({
            rule: "routes-no-integrations",
            file,
            line: ref.line,
            message: `a route imports ${target}: take the gateway from the request state`,
          });
        }
      }
    }

    if (isProductionFile(file) && !file.startsWith("db/")) {
      for (const m of calls.matchAll(BEGIN_CALL)) {
        found.push({
          rule: "begin-only-in-db",
          file,
          line: lineOf(m.index!),
          message: ".begin( outside db/: open transactions only through db/tx.ts's transaction()",
        });
      }
    }

    if (file.startsWith("domain/")) {
      for (const ref of imports) {
        const target = resolveImport(file, ref.specifier);
        if (target !== null && DOMAIN_FORBIDDEN.test(target)) {
          found.push({
            rule: "domain-no-web-layer",
            file,
            line: ref.line,
            message: `domain/ imports ${target}`,
          });
        }
      }
    }

    const code = templateText(src); // the SQL: sql`…` and sql.unsafe(`…`) are template literals
    for (const m of code.matchAll(INT_CAST)) {
      const operand = castOperand(code, m.index!);
      if (operand && /\b(?:count|sum)\s*\(/i.test(operand)) {
        found.push({
          rule: "no-int-cast-on-counts",
          file,
          line: lineOf(m.index!),
          message: `a count or sum cast to int (${squash(operand)}${
            m[0]
          }): counts and sums are exact int8 (bigint)`,
        });
      }
    }
  }
  return found.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/**
 * The expression a `::type` cast at `castAt` applies to, when it ends in `)`: the parenthesised group with
 * the function name before it, and for `count(*) filter (where …)` the aggregate before `filter`. `null`
 * for anything else (a parameter `${…}`, a column, a literal).
 */
function castOperand(code: string, castAt: number): string | null {
  let k = castAt - 1;
  while (k >= 0 && /\s/.test(code[k])) k--;
  if (code[k] !== ")") return null;
  let start = groupStart(code, k);
  if (start < 0) return null;
  let w = start - 1;
  while (w >= 0 && /\s/.test(code[w])) w--;
  let wordStart = w;
  while (wordStart >= 0 && /\w/.test(code[wordStart])) wordStart--;
  const word = code.slice(wordStart + 1, w + 1);
  if (word.toLowerCase() === "filter") {
    let p = wordStart;
    while (p >= 0 && /\s/.test(code[p])) p--;
    if (code[p] === ")") {
      const aggStart = groupStart(code, p);
      if (aggStart >= 0) start = aggStart;
      let a = start - 1;
      while (a >= 0 && /\s/.test(code[a])) a--;
      let b = a;
      while (b >= 0 && /\w/.test(code[b])) b--;
      return code.slice(b + 1, k + 1);
    }
  }
  return code.slice(wordStart + 1, k + 1);
}

/** The offset of the `(` matching the `)` at `close`, or -1. */
function groupStart(code: string, close: number): number {
  let level = 0;
  for (let k = close; k >= 0; k--) {
    if (code[k] === ")") level++;
    else if (code[k] === "(" && --level === 0) return k;
  }
  return -1;
}

function squash(text: string): string {
  const one = text.replace(/\s+/g, " ");
  return one.length > 60 ? `${one.slice(0, 57)}…` : one;
}

// ---------------------------------------------------------------------------------------------------------
// Islands

/** Folders and files an island's bundle must never reach (server-only code). */
export const SERVER_ONLY = /^(db|integrations|jobs)\/|^(main|config)\.ts$/;

/** `islands/*.tsx` (and .ts/.jsx/.js) of a project, as `islands/Name.tsx`, tests and `.d.ts` excluded. */
export async function listIslands(root: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(join(root, "islands"))) {
      if (!e.isFile || !/\.(tsx|ts|jsx|js)$/.test(e.name)) continue;
      if (e.name.endsWith(".d.ts") || /_test\.(tsx|ts|jsx|js)$/.test(e.name) || e.name.startsWith(".")) {
        continue;
      }
      out.push(`islands/${e.name}`);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort();
}

/**
 * `islands-server-free`: bundles each island of the project at `root` the way the build does (esbuild,
 * ESM, browser, Preact JSX; packages left external) and reports every server-only module
 * ({@link SERVER_ONLY}) in its graph, with the chain of imports that reaches it, each step as
 * `file:line`. Type-only imports are erased by esbuild and so are not part of the graph, as in the real
 * bundle.
 */
export async function checkIslandBundles(root: string, islands?: string[]): Promise<Violation[]> {
  const absRoot = resolve(root);
  const entries = islands ?? await listIslands(absRoot);
  if (entries.length === 0) return [];
  let result: esbuild.BuildResult<{ metafile: true; write: false }>;
  try {
    result = await esbuild.build({
      absWorkingDir: absRoot,
      entryPoints: entries,
      bundle: true,
      write: false,
      metafile: true,
      format: "esm",
      platform: "browser",
      outdir: join(absRoot, "_architecture_check"),
      jsx: "automatic",
      jsxImportSource: "preact",
      logLevel: "silent",
      plugins: [{
        name: "packages-external",
        setup(build: esbuild.PluginBuild) {
          build.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path, external: true }));
        },
      }],
    });
  } finally {
    await esbuild.stop();
  }
  const inputs = result.metafile.inputs;
  const toRel = (p: string) => relative(absRoot, resolve(absRoot, p)).split(sep).join("/");
  const graph = new Map<string, { target: string; original: string }[]>();
  for (const [path, input] of Object.entries(inputs)) {
    graph.set(
      toRel(path),
      input.imports.filter((imp) => !imp.external).map((imp) => ({
        target: toRel(imp.path),
        original: imp.original ?? imp.path,
      })),
    );
  }
  const sources = new Map<string, string>();
  const lineOfImport = async (file: string, specifier: string): Promise<number> => {
    if (!sources.has(file)) sources.set(file, await Deno.readTextFile(join(absRoot, file)));
    const ref = findImports(sources.get(file)!).find((r) => r.specifier === specifier);
    return ref?.line ?? 1;
  };

  const found: Violation[] = [];
  for (const island of entries) {
    // Breadth-first: the shortest chain to each module.
    const via = new Map<string, { from: string; original: string }>();
    const queue = [island];
    const seen = new Set(queue);
    while (queue.length > 0) {
      const file = queue.shift()!;
      for (const { target, original } of graph.get(file) ?? []) {
        if (seen.has(target)) continue;
        seen.add(target);
        via.set(target, { from: file, original });
        queue.push(target);
      }
    }
    for (const target of [...seen].sort()) {
      if (!SERVER_ONLY.test(target)) continue;
      const steps: string[] = [];
      let at = target;
      let firstLine = 1;
      while (via.has(at)) {
        const { from, original } = via.get(at)!;
        const line = await lineOfImport(from, original);
        steps.unshift(`${from}:${line} imports "${original}"`);
        if (from === island) firstLine = line;
        at = from;
      }
      found.push({
        rule: "islands-server-free",
        file: island,
        line: firstLine,
        message: `the island's bundle reaches server-only ${target}: ${steps.join(" → ")}`,
      });
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------
// Reading the project

/** Every `.ts`/`.tsx` file of the project (dependencies, build output, data and test fixtures excluded). */
export async function readProjectSources(root: string): Promise<Record<string, string>> {
  const absRoot = resolve(root);
  const files: Record<string, string> = {};
  const skip = /^(node_modules|_build|data|\.git|tests\/framework\/fixtures)(\/|$)/;
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const abs = join(dir, e.name);
      const rel = relative(absRoot, abs).split(sep).join("/");
      if (e.name.startsWith(".") || skip.test(rel) || e.isSymlink) continue;
      if (e.isDirectory) await walk(abs);
      else if (e.isFile && /\.(ts|tsx)$/.test(e.name) && !e.name.endsWith(".d.ts")) {
        files[rel] = await Deno.readTextFile(abs);
      }
    }
  };
  await walk(absRoot);
  return files;
}
