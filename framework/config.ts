/**
 * The layer's configuration: its shape, its defaults, and loading a configuration file whose path
 * the caller gives (the layer never imports the application's `fresh.config.ts` itself; `main.ts`
 * passes it to `new App({ ...freshConfig })`, and the build reads the file named on its command line).
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** Shape of `fresh.config.ts` (its default export), also accepted by `new App()` and `build()`. */
export interface FreshConfig {
  /** Default port for `App.listen()` (default 8000). */
  port?: number;
  /** Default hostname for `App.listen()` (default `0.0.0.0`). */
  hostname?: string;
  /** Build output directory, relative to the project root or absolute (default `_build`). */
  buildDir?: string;
  /**
   * Emit a tiny stylesheet with `frsh-island{display:contents}` on island pages (default true). Set it to
   * false when the app's own stylesheet carries that rule, saving a render-blocking request.
   */
  islandStylesheet?: boolean;
}

/** The defaults of every {@linkcode FreshConfig} field. */
export const DEFAULT_CONFIG: Readonly<Required<FreshConfig>> = {
  port: 8000,
  hostname: "0.0.0.0",
  buildDir: "_build",
  islandStylesheet: true,
};

/** The absolute build directory for a project root and a (relative or absolute) `buildDir`. */
export function resolveBuildDir(root: string, buildDir: string = DEFAULT_CONFIG.buildDir): string {
  return isAbsolute(buildDir) ? resolve(buildDir) : resolve(join(root, buildDir));
}

/**
 * Loads a configuration file (a module whose default export is a {@linkcode FreshConfig}), e.g. the
 * path given to `framework/build.ts --config`. Relative paths resolve against `cwd`.
 */
export async function loadConfigFile(path: string, cwd: string = Deno.cwd()): Promise<FreshConfig> {
  const url = pathToFileURL(resolve(cwd, path)).href;
  const mod = await import(url) as { default?: unknown };
  const config = mod.default;
  if (typeof config !== "object" || config === null) {
    throw new Error(`${path}: the default export must be the configuration object`);
  }
  return config as FreshConfig;
}

/**
 * The configuration a command-line entry point uses: the file after `--config` (or `--config=`), else
 * `fresh.config.ts` in `cwd` when it exists, else the defaults.
 */
export async function configFromArgs(args: string[], cwd: string = Deno.cwd()): Promise<FreshConfig> {
  let path: string | null = null;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--config") path = args[i + 1] ?? null;
    else if (args[i].startsWith("--config=")) path = args[i].slice("--config=".length);
  }
  if (path === null) {
    const fallback = join(cwd, "fresh.config.ts");
    try {
      await Deno.stat(fallback);
      path = fallback;
    } catch {
      return {};
    }
  }
  return await loadConfigFile(path, cwd);
}
