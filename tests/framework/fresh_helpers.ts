/**
 * Helpers for the cases ported from Fresh 2's own test suite: a `FakeServer` that sends requests the
 * way Fresh's tests do (lower-case method names, which `new Request()` keeps as they are for `patch`),
 * and `fsServer()`, which mounts file routes given as in-memory modules — the manifest comes from the
 * same `routesFromFiles()` the build uses, so file-name rules (test files, malformed names, groups) are
 * exercised exactly as in `deno task build`.
 */
import { routesFromFiles } from "../../framework/build.ts";
import { App, type AppOptions, type Manifest } from "../../framework/mod.ts";

/** A request handler as `App.handler()` returns it. */
export type Handler = (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>;

/** Sends requests to a handler without a network. */
export class FakeServer {
  /** @param handler the app's request handler */
  constructor(readonly handler: Handler) {}

  #send(method: string, path: string, init: RequestInit = {}): Promise<Response> {
    return this.handler(new Request(new URL(path, "http://localhost/"), { ...init, method }));
  }
  /** GET (with optional init, e.g. headers). */
  get(path: string, init?: RequestInit): Promise<Response> {
    return this.#send("GET", path, init);
  }
  /** POST, sent as Fresh's tests do: method `post`. */
  post(path: string, body?: BodyInit): Promise<Response> {
    return this.#send("post", path, { body });
  }
  /** PATCH, sent as `patch` (a `Request` keeps this one lower-case). */
  patch(path: string, body?: BodyInit): Promise<Response> {
    return this.#send("patch", path, { body });
  }
  /** PUT, sent as `put`. */
  put(path: string, body?: BodyInit): Promise<Response> {
    return this.#send("put", path, { body });
  }
  /** DELETE, sent as `delete`. */
  delete(path: string): Promise<Response> {
    return this.#send("delete", path);
  }
  /** HEAD, sent as `head`. */
  head(path: string): Promise<Response> {
    return this.#send("head", path);
  }
  /** OPTIONS, sent as `options`. */
  options(path: string): Promise<Response> {
    return this.#send("options", path);
  }
}

/** A route, layout, middleware or error module given in memory (what the file would export). */
export type FakeModule = Record<string, unknown>;

/**
 * Mounts `files` (paths relative to the project root, e.g. `routes/foo/_layout.tsx`) as file routes of
 * a new App and returns a FakeServer for it. `setup` may add middleware or routes before `fsRoutes()`.
 */
export async function fsServer<State = Record<string, unknown>>(
  files: Record<string, FakeModule>,
  setup?: (app: App<State>) => void,
  options: Partial<AppOptions> = {},
): Promise<FakeServer & { app: App<State>; errors: unknown[] }> {
  const app = fsApp<State>(files, options);
  setup?.(app.app);
  app.app.fsRoutes();
  await app.app.ready();
  return Object.assign(new FakeServer(app.app.handler()), { app: app.app, errors: app.errors });
}

/** The App behind {@linkcode fsServer}, before `fsRoutes()` (to test start-up errors). */
export function fsApp<State = Record<string, unknown>>(
  files: Record<string, FakeModule>,
  options: Partial<AppOptions> = {},
): { app: App<State>; errors: unknown[] } {
  const manifest: Manifest = {
    version: 1,
    buildId: "test",
    routes: routesFromFiles(Object.keys(files)),
    islands: {},
    assets: {},
  };
  const errors: unknown[] = [];
  const app = new App<State>({
    root: "/virtual-project",
    manifest,
    loadModule: (file) => {
      const mod = files[file];
      if (!mod) throw new Error(`no such fake module: ${file}`);
      return Promise.resolve(mod);
    },
    onError: (e) => errors.push(e),
    ...options,
  });
  return { app, errors };
}

/** The text content of the document's `<body>` (tags stripped), like `doc.body.textContent`. */
export function bodyText(html: string): string {
  const m = /<body[^>]*>([\s\S]*)<\/body>/.exec(html);
  return (m ? m[1] : html).replace(/<script[\s\S]*?<\/script>/g, "").replace(/<[^>]+>/g, "");
}

/** A promise that resolves after `ms` milliseconds. */
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
