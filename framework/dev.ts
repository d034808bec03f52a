/**
 * Development server: builds (dev mode), starts the app with `deno run -A --watch` and rebuilds when
 * `islands/`, `routes/`, `components/` or `static/` change. Every rebuild rewrites the manifest, which
 * restarts the app; open pages reload through the `/_frsh/reload` event stream.
 *
 * Run it from the project root: `deno run -A framework/dev.ts [main.ts] [--config fresh.config.ts]`
 * (without `--config`, `./fresh.config.ts` is read when it exists).
 * @module
 */
import { join, resolve } from "node:path";
import { build } from "./build.ts";
import { configFromArgs, type FreshConfig, resolveBuildDir } from "./config.ts";

/** Options of {@linkcode dev}. */
export interface DevOptions {
  /** Project directory (default: the current directory). */
  root?: string;
  /** Entry module started with `--watch` (default `main.ts`). */
  entry?: string;
  /** Folders (relative to root) whose changes trigger a rebuild. */
  watch?: string[];
  /** The layer's configuration (build directory, island stylesheet). */
  config?: FreshConfig;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function rebuild(root: string, buildDir: string, config: FreshConfig): Promise<boolean> {
  const started = performance.now();
  try {
    await build({ root, buildDir, dev: true, islandStylesheet: config.islandStylesheet });
    console.log(`[dev] built in ${Math.round(performance.now() - started)} ms`);
    return true;
  } catch (err) {
    console.error("[dev] build failed:", err instanceof Error ? err.message : err);
    return false;
  }
}

/** Runs the development loop until the process is interrupted. */
export async function dev(options: DevOptions = {}): Promise<void> {
  const root = resolve(options.root ?? Deno.cwd());
  const config = options.config ?? {};
  const buildDir = resolveBuildDir(root, config.buildDir);
  const entry = options.entry ?? "main.ts";
  await rebuild(root, buildDir, config);

  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--watch=${join(buildDir, "manifest.json")}`, entry],
    cwd: root,
    env: { FRSH_DEV: "1" },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();

  const stop = () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);

  const dirs: string[] = [];
  for (const d of options.watch ?? ["islands", "routes", "components", "static"]) {
    if (await exists(join(root, d))) dirs.push(join(root, d));
  }
  if (dirs.length === 0) {
    await child.status;
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  let building = false;
  let again = false;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (building) {
        again = true;
        return;
      }
      building = true;
      do {
        again = false;
        await rebuild(root, buildDir, config);
      } while (again);
      building = false;
    }, 150);
  };
  const watcher = Deno.watchFs(dirs, { recursive: true });
  child.status.then((s) => {
    watcher.close();
    Deno.exit(s.code);
  });
  for await (const event of watcher) {
    if (event.kind === "access") continue;
    schedule();
  }
}

if (import.meta.main) {
  const args = Deno.args.filter((a, i, all) => !a.startsWith("--") && all[i - 1] !== "--config");
  await dev({ entry: args[0], config: await configFromArgs(Deno.args) });
}
