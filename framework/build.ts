/**
 * Build step: scans `routes/` and `islands/`, bundles the islands with esbuild (ESM, code-split,
 * minified, content-hashed; Preact and signals in one shared chunk), precompresses assets (gzip +
 * brotli) and writes `<buildDir>/manifest.json`.
 *
 * Run it from the project root: `deno run -A framework/build.ts [--config fresh.config.ts] [--dev]`
 * (without `--config`, `./fresh.config.ts` is read when it exists).
 * @module
 */
import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { configFromArgs, DEFAULT_CONFIG, resolveBuildDir } from "./config.ts";
import { contentTypeFor, isCompressibleType } from "./encoding.ts";
import type {
  Manifest,
  ManifestAsset,
  ManifestIsland,
  ManifestRoute,
  ManifestScript,
  RouteKind,
} from "./manifest.ts";
import { fileToPattern } from "./router.ts";
import { BUILD_URL_PREFIX } from "./static_files.ts";

/** Options of {@linkcode build}. */
export interface BuildOptions {
  /** Project directory (holds `routes/`, `islands/`, `static/`). */
  root: string;
  /** Output directory, absolute or relative to `root` (default `<root>/_build`). */
  buildDir?: string;
  /** Development build: adds source maps. */
  dev?: boolean;
  /** Emit the `frsh-island{display:contents}` stylesheet (default true; see `FreshConfig`). */
  islandStylesheet?: boolean;
}

const SOURCE_EXT = /\.(tsx|ts|jsx|js)$/;
/** Test files next to routes are never routes (Fresh's rule). */
const TEST_FILE = /[._]test\.(?:[tj]sx?|[mc][tj]s)$/;
const SPECIAL: Record<string, RouteKind> = {
  _app: "app",
  _layout: "layout",
  _middleware: "middleware",
  _404: "notFound",
  _500: "error",
  _error: "error",
};
/** Modules that every island entry re-exports, so they share one chunk. */
const SHARED_MODULES = [
  `export * as __frsh_shared_0 from "preact";`,
  `export * as __frsh_shared_1 from "preact/hooks";`,
  `export * as __frsh_shared_2 from "@preact/signals";`,
  `export { Fragment as __frsh_shared_3, jsx as __frsh_shared_4, jsxs as __frsh_shared_5 } from "preact/jsx-runtime";`,
];
const FRAMEWORK_DIR = dirname(fileURLToPath(import.meta.url));

function toPosix(p: string): string {
  return sep === "/" ? p : p.split(sep).join("/");
}

async function listDir(dir: string): Promise<Deno.DirEntry[]> {
  const out: Deno.DirEntry[] = [];
  try {
    for await (const e of Deno.readDir(dir)) out.push(e);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

async function walkFiles(dir: string, skipDir: (name: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const e of await listDir(dir)) {
    if (e.name.startsWith(".") || e.isSymlink) continue;
    const p = join(dir, e.name);
    if (e.isDirectory) {
      if (!skipDir(e.name)) out.push(...await walkFiles(p, skipDir));
    } else if (e.isFile) out.push(p);
  }
  return out;
}

/** A folder whose files are never routes: `_private` and `(_private)` folders, and hidden ones. */
function isPrivateDir(name: string): boolean {
  return name.startsWith("_") || name.startsWith("(_") || name.startsWith(".");
}

/**
 * Turns the files under `routes/` (paths relative to the project root, `/`-separated, e.g.
 * `routes/loans/[id].tsx`) into manifest entries, in the given order. Skips what is not a route:
 * other extensions, `.d.ts`, test files (`*_test.ts`, `*.test.tsx`, …), files in `_private` or
 * `(_private)` folders, and `_`-files other than `_app`, `_layout`, `_middleware`, `_404`, `_500` and
 * `_error`. Several routes may share a URL (e.g. in different `(group)` folders): they are merged by
 * method when the app loads them.
 *
 * @throws on a malformed file or folder name (`[a][b]`, `a]`, `[`, …), naming the file, and on two
 * special files of one kind in one folder (e.g. `_500.tsx` beside `_error.tsx`).
 */
export function routesFromFiles(files: Iterable<string>): ManifestRoute[] {
  const routes: ManifestRoute[] = [];
  const specials = new Map<string, string>();
  for (const file of files) {
    if (!file.startsWith("routes/")) continue;
    const rel = file.slice("routes/".length);
    const parts = rel.split("/");
    const name = parts[parts.length - 1];
    if (parts.slice(0, -1).some(isPrivateDir) || name.startsWith(".")) continue;
    if (!SOURCE_EXT.test(name) || name.endsWith(".d.ts") || TEST_FILE.test(name)) continue;
    const relNoExt = rel.replace(SOURCE_EXT, "");
    const slash = relNoExt.lastIndexOf("/");
    const dir = slash < 0 ? "" : relNoExt.slice(0, slash);
    const base = relNoExt.slice(slash + 1);
    let kind: RouteKind = "route";
    if (base.startsWith("_")) {
      const special = SPECIAL[base];
      if (!special) continue;
      kind = special;
    }
    let pattern: string;
    try {
      pattern = kind === "route" ? fileToPattern(relNoExt) : fileToPattern(dir);
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
    }
    if (kind !== "route") {
      const key = `${kind}:${dir}`;
      const other = specials.get(key);
      if (other) throw new Error(`${other} and ${file} are both the ${base.slice(1)} file of routes/${dir}`);
      specials.set(key, file);
    }
    routes.push({ file, kind, pattern, dir });
  }
  return routes;
}

/** Scans `<root>/routes` into manifest entries (see {@linkcode routesFromFiles}). */
export async function scanRoutes(root: string): Promise<ManifestRoute[]> {
  const files = await walkFiles(join(root, "routes"), isPrivateDir);
  return routesFromFiles(files.map((abs) => toPosix(relative(root, abs))));
}

/** Scans `<root>/islands/*.tsx` (and .jsx/.ts/.js): name → file relative to root. */
export async function scanIslands(root: string): Promise<Map<string, string>> {
  const dir = join(root, "islands");
  const out = new Map<string, string>();
  for (const e of await listDir(dir)) {
    if (!e.isFile || !SOURCE_EXT.test(e.name) || e.name.endsWith(".d.ts") || e.name.startsWith(".")) continue;
    if (/_test\.(tsx|ts|jsx|js)$/.test(e.name)) continue;
    const name = e.name.replace(SOURCE_EXT, "");
    if (!/^[A-Za-z][\w$]*$/.test(name)) {
      throw new Error(`Island file name must be an identifier: islands/${e.name}`);
    }
    if (out.has(name)) throw new Error(`Two island files are named ${name}`);
    out.set(name, toPosix(relative(root, join(dir, e.name))));
  }
  return out;
}

/** Finds `deno.json` at `root` or above and returns its import map. */
async function readImportMap(root: string): Promise<Record<string, string>> {
  let dir = resolve(root);
  while (true) {
    try {
      const json = JSON.parse(await Deno.readTextFile(join(dir, "deno.json")));
      return json.imports ?? {};
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    const parent = dirname(dir);
    if (parent === dir) return {};
    dir = parent;
  }
}

/** `npm:name@1.2.3/sub` or `npm:/name@1.2.3/` → `name/sub`. */
function npmToBare(spec: string): string {
  const s = spec.replace(/^npm:\/?/, "");
  const m = /^(@[^/@]+\/[^/@]+|[^/@]+)(?:@[^/]*)?(\/.*)?$/.exec(s);
  if (!m) return s;
  return m[1] + (m[2] ?? "");
}

/** esbuild plugin: virtual island entries, and Deno import-map / `npm:` specifiers → node_modules. */
function frshPlugin(
  root: string,
  islands: Map<string, string>,
  imports: Record<string, string>,
): esbuild.Plugin {
  const exact = new Map<string, string>();
  const prefixes: [string, string][] = [];
  for (const [k, v] of Object.entries(imports)) {
    if (!v.startsWith("npm:")) continue;
    if (k.endsWith("/")) prefixes.push([k, npmToBare(v).replace(/\/?$/, "/")]);
    else exact.set(k, npmToBare(v));
  }
  prefixes.sort((a, b) => b[0].length - a[0].length);
  const shared = SHARED_MODULES.join("\n");
  return {
    name: "frsh",
    setup(build) {
      build.onResolve(
        { filter: /^frsh-entry:/ },
        (args) => ({ path: args.path.slice(11), namespace: "frsh-entry" }),
      );
      build.onLoad({ filter: /.*/, namespace: "frsh-entry" }, (args) => {
        if (args.path === "_frsh_runtime") {
          const boot = toPosix(join(FRAMEWORK_DIR, "client", "boot.ts"));
          return {
            contents: `export { boot } from ${JSON.stringify(boot)};\n${shared}\n`,
            resolveDir: FRAMEWORK_DIR,
          };
        }
        const file = toPosix(resolve(root, islands.get(args.path)!));
        return {
          contents: `export { default } from ${JSON.stringify(file)};\n${shared}\n`,
          resolveDir: FRAMEWORK_DIR,
        };
      });
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.frsh || args.namespace === "frsh-none") return undefined;
        if (/^(jsr|https?):/.test(args.path)) {
          return { errors: [{ text: `Cannot bundle ${args.path} for the browser (only npm packages)` }] };
        }
        let target: string | undefined;
        if (args.path.startsWith("npm:")) target = npmToBare(args.path);
        else if (exact.has(args.path)) target = exact.get(args.path);
        else {
          for (const [k, v] of prefixes) {
            if (args.path.startsWith(k)) {
              target = v + args.path.slice(k.length);
              break;
            }
          }
        }
        if (target === undefined || target === args.path) return undefined;
        const r = await build.resolve(target, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: { frsh: true },
        });
        return r.errors.length > 0 ? { errors: r.errors } : { path: r.path, external: r.external };
      });
    },
  };
}

function shortHash(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex").slice(0, 16);
}

function compressVariants(data: Uint8Array): { gz: Uint8Array | null; br: Uint8Array | null } {
  const gz = new Uint8Array(gzipSync(data, { level: 9 }));
  const br = new Uint8Array(brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.byteLength },
  }));
  return {
    gz: gz.byteLength < data.byteLength ? gz : null,
    br: br.byteLength < data.byteLength ? br : null,
  };
}

async function bundleIslands(
  root: string,
  outDir: string,
  islands: Map<string, string>,
  dev: boolean,
): Promise<{ islands: Record<string, ManifestIsland>; runtime: ManifestScript }> {
  const imports = await readImportMap(root);
  const entryPoints = [
    { in: "frsh-entry:_frsh_runtime", out: "_frsh_runtime" },
    ...[...islands.keys()].map((name) => ({ in: `frsh-entry:${name}`, out: name })),
  ];
  let result: esbuild.BuildResult<{ metafile: true }>;
  try {
    result = await esbuild.build({
      absWorkingDir: root,
      entryPoints,
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "browser",
      target: ["es2020"],
      minify: true,
      outdir: outDir,
      entryNames: "[name]-[hash]",
      chunkNames: "chunk-[hash]",
      jsx: "automatic",
      jsxImportSource: "preact",
      sourcemap: dev ? "linked" : false,
      legalComments: "none",
      metafile: true,
      write: true,
      logLevel: "silent",
      define: { "process.env.NODE_ENV": dev ? '"development"' : '"production"' },
      plugins: [frshPlugin(root, islands, imports)],
    });
  } finally {
    await esbuild.stop();
  }
  const outputs = result.metafile.outputs;
  const urlOf = (outPath: string) =>
    BUILD_URL_PREFIX + "islands/" + toPosix(relative(outDir, resolve(root, outPath)));
  const closure = (outPath: string): string[] => {
    const seen = new Set<string>();
    const visit = (p: string) => {
      for (const imp of outputs[p]?.imports ?? []) {
        if (imp.kind !== "import-statement" || imp.external || seen.has(imp.path)) continue;
        seen.add(imp.path);
        visit(imp.path);
      }
    };
    visit(outPath);
    return [...seen].map(urlOf);
  };
  const byEntry = new Map<string, string>();
  for (const [outPath, out] of Object.entries(outputs)) {
    if (out.entryPoint && outPath.endsWith(".js")) {
      byEntry.set(out.entryPoint.replace(/^frsh-entry:/, ""), outPath);
    }
  }
  const script = (name: string): ManifestScript => {
    const outPath = byEntry.get(name);
    if (!outPath) throw new Error(`esbuild produced no output for ${name}`);
    return { js: urlOf(outPath), imports: closure(outPath) };
  };
  const islandEntries: Record<string, ManifestIsland> = {};
  for (const [name, file] of islands) islandEntries[name] = { file, ...script(name) };
  return { islands: islandEntries, runtime: script("_frsh_runtime") };
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  if (typeof data === "string") await Deno.writeTextFile(tmp, data);
  else await Deno.writeFile(tmp, data);
  await Deno.rename(tmp, path);
}

async function removeDir(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

/** Builds the project: bundles, precompressed assets and `<buildDir>/manifest.json`. */
export async function build(options: BuildOptions): Promise<Manifest> {
  const root = resolve(options.root);
  const buildDir = resolveBuildDir(root, options.buildDir);
  const dev = options.dev ?? false;
  const routes = await scanRoutes(root);
  const islandFiles = await scanIslands(root);

  const islandsOut = join(buildDir, "static", "islands");
  const compressedOut = join(buildDir, "compressed");
  await removeDir(islandsOut);
  await removeDir(compressedOut);
  await Deno.mkdir(islandsOut, { recursive: true });

  const manifest: Manifest = {
    version: 1,
    buildId: crypto.randomUUID(),
    routes,
    islands: {},
    assets: {},
  };

  if (islandFiles.size > 0) {
    const bundled = await bundleIslands(root, islandsOut, islandFiles, dev);
    manifest.islands = bundled.islands;
    manifest.runtime = bundled.runtime;
    if (options.islandStylesheet ?? DEFAULT_CONFIG.islandStylesheet) {
      const css = "frsh-island{display:contents}\n";
      const cssName = `frsh-${shortHash(css).slice(0, 8)}.css`;
      await Deno.writeTextFile(join(islandsOut, cssName), css);
      manifest.islandCss = `${BUILD_URL_PREFIX}islands/${cssName}`;
    }
  }

  // Precompress the build output beside itself.
  for (const file of await walkFiles(islandsOut, () => false)) {
    if (!/\.(js|css|map)$/.test(file)) continue;
    const { gz, br } = compressVariants(await Deno.readFile(file));
    if (gz) await Deno.writeFile(`${file}.gz`, gz);
    if (br) await Deno.writeFile(`${file}.br`, br);
  }

  // Hash and precompress <root>/static.
  const staticDir = join(root, "static");
  for (const file of await walkFiles(staticDir, () => false)) {
    const urlPath = "/" + toPosix(relative(staticDir, file));
    const [data, stat] = await Promise.all([Deno.readFile(file), Deno.stat(file)]);
    const entry: ManifestAsset = {
      hash: shortHash(data),
      size: stat.size,
      mtimeMs: stat.mtime?.getTime() ?? 0,
    };
    if (data.byteLength >= 256 && isCompressibleType(contentTypeFor(urlPath))) {
      const { gz, br } = compressVariants(data);
      const base = join(compressedOut, ...urlPath.slice(1).split("/"));
      await Deno.mkdir(dirname(base), { recursive: true });
      if (gz) {
        await Deno.writeFile(`${base}.gz`, gz);
        entry.gz = toPosix(relative(buildDir, `${base}.gz`));
      }
      if (br) {
        await Deno.writeFile(`${base}.br`, br);
        entry.br = toPosix(relative(buildDir, `${base}.br`));
      }
    }
    manifest.assets[urlPath] = entry;
  }

  await writeAtomic(join(buildDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

if (import.meta.main) {
  const dev = Deno.args.includes("--dev");
  const config = await configFromArgs(Deno.args);
  const started = performance.now();
  const manifest = await build({
    root: Deno.cwd(),
    buildDir: config.buildDir,
    islandStylesheet: config.islandStylesheet,
    dev,
  });
  const ms = Math.round(performance.now() - started);
  console.log(
    `Built ${manifest.routes.filter((r) => r.kind === "route").length} routes, ` +
      `${Object.keys(manifest.islands).length} islands, ${
        Object.keys(manifest.assets).length
      } static files in ${ms} ms`,
  );
}
