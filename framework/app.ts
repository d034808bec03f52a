/**
 * `App`: middleware, programmatic and file routes, rendering, error pages, `listen()`.
 * @module
 */
import { join, resolve } from "node:path";
import type { VNode } from "preact";
import { freshConfig } from "./config.ts";
import { devReloadResponse, RELOAD_SCRIPT_TAG } from "./dev_reload.ts";
import {
  type ErrorPage,
  type ErrorPages,
  type FsRoute,
  type LoadedFsRoutes,
  loadFsRoutes,
} from "./fs_routes.ts";
import { defaultStatusText, HttpError } from "./http_error.ts";
import { type Manifest, readManifest } from "./manifest.ts";
import { IslandAssets, renderPage, type RenderSetup } from "./render.ts";
import { setAssetHashes } from "./static_files.ts";
import {
  type AnyComponent,
  type Context,
  type HandlerFn,
  type Middleware,
  PageResponse,
  type PageTitle,
  type ResolvedAppConfig,
} from "./types.ts";

/** Options of {@linkcode App}. */
export interface AppOptions {
  /** Project directory (holds `routes/`, `islands/`, `static/`); default: the current directory. */
  root?: string;
  /** Build output directory; default `<root>/<fresh.config.ts buildDir>` (i.e. `<root>/_build`). */
  buildDir?: string;
  /** Development mode (live reload); default: env `FRSH_DEV=1`. */
  dev?: boolean;
  /** Called for unexpected errors (status ≥ 500); default logs one JSON line to stderr. */
  onError?: (error: unknown, ctx: Context<unknown>) => void;
}

/** Options of {@linkcode App.listen}. */
export interface ListenOptions {
  /** Port (default from `fresh.config.ts`, 8000). Use 0 for a free port. */
  port?: number;
  /** Hostname (default `0.0.0.0`). */
  hostname?: string;
  /** Called once the server listens. */
  onListen?: (addr: Deno.NetAddr) => void;
  /** Aborting it shuts the server down gracefully. */
  signal?: AbortSignal;
}

type AnyState = unknown;
type AnyMiddleware = Middleware<AnyState>;
type Terminal = (ctx: RequestContext<AnyState>) => Response | Promise<Response>;

interface ProgrammaticRoute {
  method: string | null;
  path: string;
  exact: string | null;
  pattern: URLPattern | null;
  handler: HandlerFn<unknown, AnyState>;
}

const Empty = () => null;

type Source = { kind: "route"; route: ProgrammaticRoute } | { kind: "fs" };

const NO_ERROR_PAGES: ErrorPages = { notFound: null, error: null };

const endOfChain = () => Promise.reject(new Error("ctx.next() called past the end of the middleware chain"));

/** Computes a safe same-origin `Location` for `path` relative to `base` ("/" when it leaves the origin). */
export function safeRedirectLocation(path: string, base: URL): string {
  let u: URL;
  try {
    u = new URL(path, base);
  } catch {
    return "/";
  }
  if (u.origin !== base.origin || (u.protocol !== "http:" && u.protocol !== "https:")) return "/";
  const pathname = u.pathname.replace(/^\/{2,}/, "/");
  return pathname + u.search + u.hash;
}

class RequestContext<State> implements Context<State> {
  params: Record<string, string> = {};
  state: State = {} as State;
  route: string | null = null;
  error?: unknown;
  next: () => Promise<Response> = endOfChain;
  /** Render setup of the matched route (or the root setup). */
  setup: RenderSetup;
  /** The matched file route, if any. */
  fsRoute: FsRoute | null = null;
  /** Error pages for this request: the matched route's, or the containing folder's, or the root's. */
  errorPages: ErrorPages;

  /** The request; `bodyLimit()` replaces it with one whose body is counted while it streams. */
  req: Request;

  constructor(
    req: Request,
    readonly url: URL,
    readonly info: Deno.ServeHandlerInfo | undefined,
    readonly config: ResolvedAppConfig,
    readonly app: App<unknown>,
    setup: RenderSetup,
    errorPages: ErrorPages,
  ) {
    this.req = req;
    this.setup = setup;
    this.errorPages = errorPages;
  }

  render(vnode?: VNode | null, init?: ResponseInit): Promise<Response> {
    const page = vnode ? null : this.fsRoute;
    const content: VNode | AnyComponent | null = vnode ?? page?.component ?? null;
    return Promise.resolve(
      this.app._render(this as RequestContext<unknown>, content, undefined, {
        status: init?.status,
        headers: init?.headers,
      }, page?.title),
    );
  }

  redirect(path: string, status = 302): Response {
    return new Response(null, { status, headers: { location: safeRedirectLocation(path, this.url) } });
  }

  json(data: unknown, init?: ResponseInit): Response {
    const headers = new Headers(init?.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json; charset=utf-8");
    return new Response(JSON.stringify(data), { ...init, headers });
  }
}

/**
 * The application. Compose it in `main.ts`:
 *
 * ```ts
 * const app = new App<State>().use(requestLog()).use(staticFiles()).fsRoutes();
 * app.listen({ port: 8000 });
 * ```
 *
 * App-level middleware runs for every request in order of `use()`; then, for file routes, the
 * `_middleware.ts` files from the outermost folder inwards; then the route handler. A path that matches
 * no route runs the `_middleware.ts` files of the deepest folder whose URL prefix contains it (e.g.
 * `routes/admin/` for `/admin/nope`, outer → inner), then answers 404.
 *
 * Errors render the nearest `_404.tsx` (for `HttpError(404)` and unmatched paths) or `_500.tsx` (any
 * other error, with `props.error`): the one in the matched route's folder — or, for an unmatched path,
 * in the deepest containing folder — else the closest folder above, up to `routes/`. An error page is
 * wrapped in the layouts of its own folder and in `_app`.
 */
export class App<State> {
  readonly #config: ResolvedAppConfig;
  readonly #middlewares: AnyMiddleware[] = [];
  readonly #sources: Source[] = [];
  readonly #onError: (error: unknown, ctx: Context<unknown>) => void;
  #manifest: Manifest | null = null;
  #fs: LoadedFsRoutes | null = null;
  #loading: Promise<void> | null = null;
  #assets = new IslandAssets(null);
  #emptySetup: RenderSetup = { app: null, layouts: [] };
  #emptyErrorPages: ErrorPages = NO_ERROR_PAGES;
  #notFoundChain: Terminal[] | null = null;
  #routeChains = new WeakMap<object, Terminal[]>();

  /** @param options project root, build dir, dev mode, error hook */
  constructor(options: AppOptions = {}) {
    const root = resolve(options.root ?? Deno.cwd());
    this.#config = {
      root,
      buildDir: resolve(options.buildDir ?? join(root, freshConfig.buildDir)),
      dev: options.dev ?? Deno.env.get("FRSH_DEV") === "1",
    };
    this.#onError = options.onError ?? ((error, ctx) => {
      console.error(JSON.stringify({
        level: "error",
        msg: "unhandled error",
        method: ctx.req.method,
        path: ctx.url.pathname,
        requestId: (ctx.state as { requestId?: string } | null)?.requestId,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }));
    });
  }

  /** The resolved configuration (root, buildDir, dev). */
  get config(): ResolvedAppConfig {
    return this.#config;
  }

  /** Adds middleware (one or an array); runs for every request, in order, before routes. */
  use(middleware: Middleware<State> | Middleware<State>[]): this {
    const list = Array.isArray(middleware) ? middleware : [middleware];
    this.#middlewares.push(...(list as AnyMiddleware[]));
    this.#invalidate();
    return this;
  }

  /** Adds a GET route (HEAD is answered from it). `path` is a URLPattern pathname. */
  get(path: string, handler: HandlerFn<unknown, State>): this {
    return this.#add("GET", path, handler);
  }
  /** Adds a POST route. */
  post(path: string, handler: HandlerFn<unknown, State>): this {
    return this.#add("POST", path, handler);
  }
  /** Adds a PUT route. */
  put(path: string, handler: HandlerFn<unknown, State>): this {
    return this.#add("PUT", path, handler);
  }
  /** Adds a PATCH route. */
  patch(path: string, handler: HandlerFn<unknown, State>): this {
    return this.#add("PATCH", path, handler);
  }
  /** Adds a DELETE route. */
  delete(path: string, handler: HandlerFn<unknown, State>): this {
    return this.#add("DELETE", path, handler);
  }
  /** Adds a route for every method. */
  all(path: string, handler: HandlerFn<unknown, State>): this {
    return this.#add(null, path, handler);
  }

  #add(method: string | null, path: string, handler: HandlerFn<unknown, State>): this {
    const exact = /[:*(){}?+\\]/.test(path) ? null : path;
    this.#sources.push({
      kind: "route",
      route: {
        method,
        path,
        exact,
        pattern: exact === null ? new URLPattern({ pathname: path }) : null,
        handler: handler as HandlerFn<unknown, AnyState>,
      },
    });
    return this;
  }

  /**
   * Mounts the file routes listed in `<buildDir>/manifest.json` (written by `framework/build.ts`).
   * Reads the manifest now (throws when it is missing) and imports the modules before the first request.
   */
  fsRoutes(): this {
    const manifest = this.#readManifest();
    this.#sources.push({ kind: "fs" });
    this.#assets = new IslandAssets(manifest);
    this.#loading = loadFsRoutes(this.#config.root, manifest).then((fs) => {
      this.#fs = fs;
      this.#emptySetup = fs.rootSetup;
      this.#emptyErrorPages = fs.rootErrorPages;
      this.#loading = null;
      this.#invalidate();
    });
    // Surface load errors on the first request, not as an unhandled rejection.
    this.#loading.catch(() => {});
    return this;
  }

  /** Resolves once the file routes are loaded (rejects with the load error). */
  async ready(): Promise<void> {
    if (this.#loading) await this.#loading;
  }

  #readManifest(): Manifest {
    if (!this.#manifest) {
      this.#manifest = readManifest(this.#config.buildDir);
      setAssetHashes(this.#manifest.assets);
    }
    return this.#manifest;
  }

  #invalidate(): void {
    this.#notFoundChain = null;
    this.#routeChains = new WeakMap();
  }

  /** The request handler: `(req, info?) => Promise<Response>` (what `Deno.serve` and tests call). */
  handler(): (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response> {
    return (req, info) => this.#handle(req, info);
  }

  /** Starts an HTTP server with `Deno.serve`. */
  listen(options: ListenOptions = {}): Deno.HttpServer<Deno.NetAddr> {
    const handler = this.handler();
    return Deno.serve({
      port: options.port ?? freshConfig.port,
      hostname: options.hostname ?? freshConfig.hostname,
      signal: options.signal,
      onListen: options.onListen ?? ((addr) => {
        const host = addr.hostname === "0.0.0.0" ? "localhost" : addr.hostname;
        console.log(`Listening on http://${host}:${addr.port}/`);
      }),
    }, handler);
  }

  async #handle(req: Request, info?: Deno.ServeHandlerInfo): Promise<Response> {
    if (this.#loading) await this.#loading;
    const url = new URL(req.url);
    if (this.#config.dev) {
      const dev = devReloadResponse(url.pathname);
      if (dev) return dev;
    }
    const ctx = new RequestContext<AnyState>(
      req,
      url,
      info,
      this.#config,
      this as App<unknown>,
      this.#emptySetup,
      this.#emptyErrorPages,
    );
    const chain = this.#route(ctx);
    let res = await this.#dispatch(ctx, chain, 0);
    if (req.method === "HEAD" && res.body !== null) {
      await res.body.cancel();
      res = new Response(null, { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    return res;
  }

  /** Finds the route; sets ctx.params/route/setup and returns the middleware chain to run. */
  #route(ctx: RequestContext<AnyState>): Terminal[] {
    const pathname = ctx.url.pathname;
    const method = ctx.req.method;
    for (const source of this.#sources) {
      if (source.kind === "route") {
        const r = source.route;
        if (r.method !== null && r.method !== method && !(method === "HEAD" && r.method === "GET")) continue;
        let params: Record<string, string> | null = null;
        if (r.exact !== null) params = r.exact === pathname ? {} : null;
        else {
          const m = r.pattern!.exec({ pathname });
          if (m) {
            params = {};
            for (const [k, v] of Object.entries(m.pathname.groups)) {
              if (v !== undefined) params[k] = v;
            }
          }
        }
        if (params === null) continue;
        ctx.params = params;
        ctx.route = r.path;
        return this.#chainFor(r, () => [...this.#middlewares, this.#programmaticTerminal(r)]);
      }
      const fs = this.#fs;
      if (!fs) continue;
      const m = fs.table.match(pathname);
      if (!m) continue;
      ctx.params = m.params;
      ctx.route = m.value.pattern;
      ctx.fsRoute = m.value;
      ctx.setup = m.value.setup;
      ctx.errorPages = m.value.errorPages;
      const route = m.value;
      return this.#chainFor(
        route,
        () => [...this.#middlewares, ...route.middlewares, this.#fsTerminal(route)],
      );
    }
    // No route: the deepest folder containing the path runs its middleware, then the 404 terminal.
    const folder = this.#fs?.folders.match(pathname);
    if (folder) {
      ctx.params = folder.params;
      ctx.setup = folder.value.setup;
      ctx.errorPages = folder.value.errorPages;
      const { middlewares } = folder.value;
      return this.#chainFor(
        folder.value,
        () => [...this.#middlewares, ...middlewares, this.#notFoundTerminal],
      );
    }
    this.#notFoundChain ??= [...this.#middlewares, this.#notFoundTerminal];
    return this.#notFoundChain;
  }

  #chainFor(key: object, make: () => Terminal[]): Terminal[] {
    let chain = this.#routeChains.get(key);
    if (!chain) {
      chain = make();
      this.#routeChains.set(key, chain);
    }
    return chain;
  }

  async #dispatch(ctx: RequestContext<AnyState>, chain: Terminal[], i: number): Promise<Response> {
    const fn = chain[i];
    if (i + 1 < chain.length) {
      const next = async (): Promise<Response> => {
        try {
          return await this.#dispatch(ctx, chain, i + 1);
        } finally {
          ctx.next = next;
        }
      };
      ctx.next = next;
    } else {
      ctx.next = endOfChain;
    }
    try {
      const res = await fn(ctx);
      if (!(res instanceof Response)) {
        throw new Error(
          `Middleware returned ${res === undefined ? "undefined" : typeof res}, not a Response`,
        );
      }
      return res;
    } catch (err) {
      return this.#renderError(ctx, err);
    }
  }

  #programmaticTerminal(r: ProgrammaticRoute): Terminal {
    return async (ctx) => {
      const result = await r.handler(ctx);
      if (result instanceof PageResponse) {
        throw new Error(`Route ${r.path}: page() needs a page component; use ctx.render(<Page />) instead`);
      }
      return result;
    };
  }

  #fsTerminal(route: FsRoute): Terminal {
    const h = route.handler;
    return async (ctx) => {
      const method = ctx.req.method;
      let fn: HandlerFn<unknown, AnyState> | undefined;
      if (typeof h === "function") fn = h;
      else if (h) {
        const byMethod = h as Record<string, HandlerFn<unknown, AnyState> | undefined>;
        fn = byMethod[method] ?? (method === "HEAD" ? byMethod.GET : undefined);
      }
      if (!fn) {
        if ((method === "GET" || method === "HEAD") && route.component) {
          return this._render(ctx, route.component, undefined, {}, route.title);
        }
        return new Response(defaultStatusText(405), {
          status: 405,
          headers: { allow: route.allow, "content-type": "text/plain; charset=utf-8" },
        });
      }
      const result = await fn(ctx);
      if (result instanceof Response) return result;
      if (result instanceof PageResponse) {
        if (!route.component) {
          throw new Error(`${route.file}: handler returned page() but there is no page component`);
        }
        return this._render(ctx, route.component, result.data, result.init, route.title);
      }
      throw new Error(`${route.file}: handler must return a Response or page(data)`);
    };
  }

  #notFoundTerminal: Terminal = (ctx) => {
    const path = ctx.url.pathname;
    if (path.length > 1 && path.endsWith("/")) {
      const target = "/" + path.replace(/^\/+/, "").replace(/\/+$/, "");
      const status = ctx.req.method === "GET" || ctx.req.method === "HEAD" ? 301 : 308;
      return new Response(null, { status, headers: { location: target + ctx.url.search } });
    }
    throw new HttpError(404);
  };

  /**
   * @internal Renders `content` inside the context's `_app` and layouts. `title` is the page module's
   * `title` export: it is written to `ctx.state.title` before rendering.
   */
  _render(
    ctx: RequestContext<unknown>,
    content: AnyComponent | VNode | null,
    data: unknown,
    init: { status?: number; headers?: HeadersInit },
    title?: PageTitle,
  ): Response {
    const props = {
      data,
      url: ctx.url,
      params: ctx.params,
      state: ctx.state,
      req: ctx.req,
      route: ctx.route,
      error: ctx.error,
    };
    if (title !== undefined && typeof ctx.state === "object" && ctx.state !== null) {
      const value = typeof title === "function" ? title({ ...props, Component: Empty }) : title;
      (ctx.state as { title?: string }).title = value;
    }
    return renderPage({
      setup: ctx.setup,
      content,
      props,
      assets: this.#assets,
      extraBody: this.#config.dev ? RELOAD_SCRIPT_TAG : undefined,
      status: init.status,
      headers: init.headers,
    });
  }

  #renderError(ctx: RequestContext<AnyState>, err: unknown): Response {
    const status = err instanceof HttpError ? err.status : 500;
    if (status >= 500) {
      try {
        this.#onError(err, ctx as Context<unknown>);
      } catch { /* logging must not break the response */ }
    }
    const page: ErrorPage | null = status === 404 ? ctx.errorPages.notFound : ctx.errorPages.error;
    if (page) {
      ctx.error = err;
      ctx.setup = page.setup;
      // The failed page's title must not label the error page.
      if (typeof ctx.state === "object" && ctx.state !== null) {
        delete (ctx.state as { title?: unknown }).title;
      }
      try {
        return this._render(
          ctx as RequestContext<unknown>,
          page.component,
          undefined,
          { status },
          page.title,
        );
      } catch (renderErr) {
        try {
          this.#onError(renderErr, ctx as Context<unknown>);
        } catch { /* ignore */ }
      }
    }
    const text = err instanceof HttpError ? err.message : defaultStatusText(status);
    return new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
}
