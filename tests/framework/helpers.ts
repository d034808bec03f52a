/** Shared helpers for the framework tests: the fixture project, built once per test run. */
import { fileURLToPath } from "node:url";
import { build } from "../../framework/build.ts";
import { App, type AppOptions, type Manifest } from "../../framework/mod.ts";
import type { State } from "./fixtures/app/utils.ts";

/** Absolute path of the fixture project. */
export const FIXTURE_ROOT = fileURLToPath(new URL("./fixtures/app", import.meta.url));

let built: Promise<{ buildDir: string; manifest: Manifest }> | null = null;

/** Builds the fixture project into a temporary directory (once per process). */
export function buildFixture(): Promise<{ buildDir: string; manifest: Manifest }> {
  built ??= (async () => {
    const buildDir = await Deno.makeTempDir({ prefix: "frsh-test-" });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(buildDir, { recursive: true });
      } catch { /* ignore */ }
    });
    const manifest = await build({ root: FIXTURE_ROOT, buildDir, islandStylesheet: true });
    return { buildDir, manifest };
  })();
  return built;
}

/** A fixture app with file routes mounted; `setup` may add middleware/routes first. */
export async function fixtureApp(
  setup?: (app: App<State>) => void,
  options: Partial<AppOptions> = {},
): Promise<{ app: App<State>; handle: (req: Request | string) => Promise<Response>; errors: unknown[] }> {
  const { buildDir } = await buildFixture();
  const errors: unknown[] = [];
  const app = new App<State>({ root: FIXTURE_ROOT, buildDir, onError: (e) => errors.push(e), ...options });
  setup?.(app);
  app.fsRoutes();
  await app.ready();
  const handler = app.handler();
  const handle = (req: Request | string) =>
    handler(typeof req === "string" ? new Request(new URL(req, "http://localhost").href) : req);
  return { app, handle, errors };
}

/** Fetches and returns status + body text. */
export async function get(
  handle: (req: Request | string) => Promise<Response>,
  path: string,
  init?: RequestInit,
): Promise<{ res: Response; text: string }> {
  const res = await handle(new Request(new URL(path, "http://localhost").href, init));
  return { res, text: await res.text() };
}
