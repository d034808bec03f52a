/**
 * The build manifest (`<buildDir>/manifest.json`) written by `build.ts` and read by the app at startup.
 * @module
 */
import { join } from "node:path";

/**
 * What a file under `routes/` is: a page/handler `route`, or a special file of its folder — `_layout`,
 * `_app` (root only), `_middleware`, `_404` (`notFound`) or `_500`/`_error` (`error`). Error pages may sit
 * in any folder: each such folder is an error boundary for what lies below it.
 */
export type RouteKind = "route" | "layout" | "app" | "middleware" | "notFound" | "error";

/** One file under `routes/`. */
export interface ManifestRoute {
  /** Path relative to the project root, `/`-separated (e.g. `routes/loans/[id].tsx`). */
  file: string;
  /** What the file is. */
  kind: RouteKind;
  /** URL pattern for `route` files (e.g. `/loans/:id`); the folder's pattern for the others. */
  pattern: string;
  /** Folder relative to `routes/` including groups (`""` for the root, e.g. `(shop)/loans`). */
  dir: string;
}

/** A built JavaScript module and the chunks it imports statically (for modulepreload). */
export interface ManifestScript {
  /** URL of the module, e.g. `/_frsh/islands/Calculator-AB12CD34.js`. */
  js: string;
  /** URLs of every chunk it imports statically, transitively. */
  imports: string[];
}

/** One island. */
export interface ManifestIsland extends ManifestScript {
  /** Source file relative to the project root. */
  file: string;
}

/** A file of `<root>/static`, recorded at build time. */
export interface ManifestAsset {
  /** First 16 hex digits of the SHA-256 of the content. */
  hash: string;
  /** Size in bytes at build time. */
  size: number;
  /** Modification time (ms) at build time, to notice a file changed after the build. */
  mtimeMs: number;
  /** Precompressed gzip copy, relative to the build dir. */
  gz?: string;
  /** Precompressed brotli copy, relative to the build dir. */
  br?: string;
}

/** The manifest file. */
export interface Manifest {
  version: 1;
  /** Random id of this build. */
  buildId: string;
  /** Every route-related file under `routes/`. */
  routes: ManifestRoute[];
  /** Islands by name (the file name without extension). */
  islands: Record<string, ManifestIsland>;
  /** The client runtime that hydrates islands (absent when there are no islands). */
  runtime?: ManifestScript;
  /** Stylesheet with `frsh-island { display: contents }` (absent when there are no islands). */
  islandCss?: string;
  /** Files of `<root>/static` by URL path (e.g. `/styles.css`). */
  assets: Record<string, ManifestAsset>;
}

/** Reads `<buildDir>/manifest.json`; throws a clear error when it is missing. */
export function readManifest(buildDir: string): Manifest {
  const path = join(buildDir, "manifest.json");
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(
        `Build manifest not found at ${path}. Run \`deno task build\` (framework/build.ts) before starting the app.`,
      );
    }
    throw err;
  }
  const manifest = JSON.parse(text) as Manifest;
  if (manifest.version !== 1) throw new Error(`Unsupported manifest version in ${path}; rebuild.`);
  return manifest;
}
