/**
 * `staticFiles()`: serves `<root>/static/**` at `/` and the build output `<buildDir>/static/**` at
 * `/_frsh/`, from an index built once (so only indexed files can ever be served: no path traversal),
 * with ETag/304, long immutable caching for content-hashed files, and precompressed br/gzip variants.
 * @module
 */
import { join } from "node:path";
import { addVary, contentTypeFor, type Encoding, isCompressibleType, negotiateEncoding } from "./encoding.ts";
import type { ManifestAsset } from "./manifest.ts";
import type { Context, Middleware } from "./types.ts";

/** URL prefix of the build output. */
export const BUILD_URL_PREFIX = "/_frsh/";

const IMMUTABLE = "public, max-age=31536000, immutable";

let assetHashes: Record<string, ManifestAsset> = {};

/** @internal Sets the asset hashes from the build manifest (done by `App`). */
export function setAssetHashes(assets: Record<string, ManifestAsset>): void {
  assetHashes = assets;
}

/**
 * Returns a cache-busting URL for a file of `static/`: `asset("/styles.css")` →
 * `/styles.css?v=<content hash>`. Such URLs are served with `Cache-Control: immutable`.
 * Unknown paths are returned unchanged.
 */
export function asset(path: string): string {
  const a = assetHashes[path];
  return a ? `${path}?v=${a.hash}` : path;
}

/** Options of {@linkcode staticFiles}. */
export interface StaticFilesOptions {
  /** Project directory (default: the app's root). */
  root?: string;
  /** Build directory (default: the app's build dir). */
  buildDir?: string;
  /** `max-age` for files that are not content-hashed (default 300 s). */
  maxAgeSeconds?: number;
  /** Files up to this size are kept in memory after the first read (default 256 KiB). */
  memoryCacheFileBytes?: number;
}

interface Entry {
  file: string;
  size: number;
  type: string;
  etag: string;
  /** Always immutable (build output). */
  immutable: boolean;
  /** Content hash that makes `?v=` immutable (root static files). */
  hash: string | null;
  variants: Partial<Record<Encoding, { file: string; size: number }>>;
  available: Encoding[];
  cache: Partial<Record<Encoding | "identity", Uint8Array<ArrayBuffer>>>;
}

async function walk(dir: string, prefix: string, out: Map<string, { file: string; stat: Deno.FileInfo }>) {
  let items: Deno.DirEntry[];
  try {
    items = [];
    for await (const e of Deno.readDir(dir)) items.push(e);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  for (const e of items) {
    if (e.isSymlink || e.name.startsWith(".")) continue;
    const file = join(dir, e.name);
    if (e.isDirectory) await walk(file, `${prefix}${e.name}/`, out);
    else if (e.isFile) out.set(`${prefix}${e.name}`, { file, stat: await Deno.stat(file) });
  }
}

function weakEtag(stat: Deno.FileInfo): string {
  return `W/"${stat.size.toString(36)}-${(stat.mtime?.getTime() ?? 0).toString(36)}"`;
}

async function buildIndex(root: string, buildDir: string): Promise<Map<string, Entry>> {
  const index = new Map<string, Entry>();
  const rootFiles = new Map<string, { file: string; stat: Deno.FileInfo }>();
  await walk(join(root, "static"), "/", rootFiles);
  for (const [path, { file, stat }] of rootFiles) {
    const a = assetHashes[path];
    const valid = a !== undefined && a.size === stat.size && a.mtimeMs === (stat.mtime?.getTime() ?? 0);
    const variants: Entry["variants"] = {};
    if (valid && a.br) variants.br = { file: join(buildDir, a.br), size: 0 };
    if (valid && a.gz) variants.gzip = { file: join(buildDir, a.gz), size: 0 };
    index.set(path, {
      file,
      size: stat.size,
      type: contentTypeFor(path),
      etag: valid ? `W/"${a.hash}"` : weakEtag(stat),
      immutable: false,
      hash: valid ? a.hash : null,
      variants,
      available: [],
      cache: {},
    });
  }
  const buildFiles = new Map<string, { file: string; stat: Deno.FileInfo }>();
  await walk(join(buildDir, "static"), BUILD_URL_PREFIX, buildFiles);
  for (const [path, { file, stat }] of buildFiles) {
    if (path.endsWith(".gz") || path.endsWith(".br")) continue;
    const variants: Entry["variants"] = {};
    const br = buildFiles.get(`${path}.br`);
    const gz = buildFiles.get(`${path}.gz`);
    if (br) variants.br = { file: br.file, size: br.stat.size };
    if (gz) variants.gzip = { file: gz.file, size: gz.stat.size };
    index.set(path, {
      file,
      size: stat.size,
      type: contentTypeFor(path),
      etag: weakEtag(stat),
      immutable: true,
      hash: null,
      variants,
      available: [],
      cache: {},
    });
  }
  for (const entry of index.values()) {
    for (const enc of ["br", "gzip"] as const) {
      const v = entry.variants[enc];
      if (!v) continue;
      try {
        v.size = (await Deno.stat(v.file)).size;
        entry.available.push(enc);
      } catch {
        delete entry.variants[enc];
      }
    }
  }
  return index;
}

function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  const opaque = etag.replace(/^W\//, "");
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === opaque);
}

/**
 * Serves static files. Put it early in the middleware list (after request logging):
 * `app.use(staticFiles())`. Requests for other paths fall through to `ctx.next()`.
 */
export function staticFiles<State = unknown>(options: StaticFilesOptions = {}): Middleware<State> {
  const maxAge = options.maxAgeSeconds ?? 300;
  const memLimit = options.memoryCacheFileBytes ?? 256 * 1024;
  let index: Promise<Map<string, Entry>> | null = null;

  const read = async (entry: Entry, enc: Encoding | null): Promise<BodyInit> => {
    const key = enc ?? "identity";
    const cached = entry.cache[key];
    if (cached) return cached;
    const file = enc ? entry.variants[enc]!.file : entry.file;
    const size = enc ? entry.variants[enc]!.size : entry.size;
    if (size <= memLimit) {
      const bytes = await Deno.readFile(file);
      entry.cache[key] = bytes;
      return bytes;
    }
    return (await Deno.open(file, { read: true })).readable;
  };

  return async (ctx: Context<State>) => {
    const method = ctx.req.method.toUpperCase();
    if (method !== "GET" && method !== "HEAD") return ctx.next();
    let path: string;
    try {
      path = decodeURIComponent(ctx.url.pathname);
    } catch {
      return ctx.next();
    }
    index ??= buildIndex(options.root ?? ctx.config.root, options.buildDir ?? ctx.config.buildDir);
    const entry = (await index).get(path);
    if (!entry) return ctx.next();

    const immutable = entry.immutable ||
      (entry.hash !== null && ctx.url.searchParams.get("v") === entry.hash);
    const headers = new Headers({
      "content-type": entry.type,
      "cache-control": immutable ? IMMUTABLE : `public, max-age=${maxAge}`,
      etag: entry.etag,
    });
    if (entry.available.length > 0 || isCompressibleType(entry.type)) addVary(headers);
    const inm = ctx.req.headers.get("if-none-match");
    if (inm && etagMatches(inm, entry.etag)) return new Response(null, { status: 304, headers });

    const enc = negotiateEncoding(ctx.req.headers.get("accept-encoding"), entry.available);
    if (enc) headers.set("content-encoding", enc);
    headers.set("content-length", String(enc ? entry.variants[enc]!.size : entry.size));
    if (method === "HEAD") return new Response(null, { status: 200, headers });
    return new Response(await read(entry, enc), { status: 200, headers });
  };
}
