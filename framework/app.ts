/**
 * `App`: middleware, programmatic and file routes, rendering, error pages, `listen()`.
 * @module
 */
import { resolve } from "node:path";
import { isValidElement, type VNode } from "preact";
import { DEFAULT_CONFIG, type FreshConfig, resolveBuildDir } from "./config.ts";
import { isPageResponse } from "./define.ts";
import { devReloadResponse, RELOAD_SCRIPT_TAG } from "./dev_reload.ts";
import { applyDecorators, decoratorMark, dropDecorators } from "./error_response.ts";
import { textResponse } from "./response.ts";
import {
  type ErrorPage,
  type FolderBoundary,
  type FolderLayer,
  type FsFolder,
  type FsRoute,
  type FsRouteGroup,
  type LoadedFsRoutes,
  loadFsRoutes,
  type ModuleLoader,
  routeForMethod,
} from "./fs_routes.ts";
import { HttpError, MethodNotAllowedError, MethodNotImplementedError } from "./http_error.ts";
import { type Manifest, readManifest } from "./manifest.ts";
import { allowHeader, type Method, METHODS, normalizeMethod } from "./methods.ts";
import { IslandAssets, renderPage, type RenderSetup } from "./render.ts";
import { setAssetHashes } from "./static_files.ts";
import type {
  AnyComponent,
  Context,
  HandlerFn,
  LayoutConfig,
  MaybeLazyMiddleware,
  Middleware,
  PageTitle,
  ResolvedAppConfig,
} from "./types.ts";

/** Options of {@linkcode App}: the layer's configuration (`fresh.config.ts`) plus per-app settings. */
export interface AppOptions extends FreshConfig {
  /** Project directory (holds `routes/`, `islands/`, `static/`); default: the current directory. */
  root?: string;
  /** Development mode (live reload); default: env `FRSH_DEV=1`. */
  dev?: boolean;
  /** Called for unexpected errors (status ≥ 500) that an error page or the default answer renders. */
  onError?: (error: unknown, ctx: Context<unknown>) => void;
  /** A manifest to mount instead of reading `<buildDir>/manifest.json` (e.g. an in-memory build). */
  manifest?: Manifest;
  /** Loads route and island modules by path relative to `root` (default: `import()` from disk). */
  loadModule?: ModuleLoader;
}

/** Options of {@linkcode App.listen}. */
export interface ListenOptions {
  /** Port (default: the app's `port` option, else 8000). Use 0 for a free port. */
  port?: number;
  /** Hostname (default: the app's `hostname` option, else `0.0.0.0`). */
  hostname?: string;
  /** Called once the server listens. */
  onListen?: (addr: Deno.NetAddr) => void;
  /** Aborting it shuts the server down gracefully. */
  signal?: AbortSignal;
}

type AnyState = unknown;
type AnyMiddleware = MaybeLazyMiddleware<AnyState>;

/** One step of a request's chain: a middleware, and the wrappers `ctx.render()` uses while it runs. */
interface Step {
  fn: AnyMiddleware;
  setup: RenderSetup | null;
}

interface UseEntry {
  /** URL path the middleware is limited to (`use(path, …)`), or null for every request. */
  path: string | null;
  fn: AnyMiddleware;
}

interface ProgrammaticRoute {
  /** The methods, or null for `all()` (every method a route may answer). */
  methods: Set<Method> | null;
  path: string;
  exact: string | null;
  pattern: URLPattern | null;
  fns: AnyMiddleware[];
  /** How many `use()` middlewares were registered before the route: only those run for it. */
  useCount: number;
}

type Source = { kind: "route"; route: ProgrammaticRoute } | { kind: "fs"; useCount: number };

type Found =
  | { kind: "route"; route: ProgrammaticRoute; useCount: number; params: Record<string, string> }
  | { kind: "fs"; route: FsRoute; group: FsRouteGroup; useCount: number; params: Record<string, string> }
  | {
    kind: "refused";
    pattern: string;
    allowed: Set<Method>;
    fs: FsRouteGroup | null;
    useCount: number;
    key: object;
    params: Record<string, string>;
  }
  | null;

const IS_PATTERN = /[*:{}+?()\\]/;

function endOfChain(): Promise<Response> {
  return Promise.reject(new Error("ctx.next() called past the end of the middleware chain"));
}

/**
 * The `Location` for a redirect from `base` to `target`, as `ctx.redirect()` computes it: like Fresh,
 * a path's repeated slashes collapse (`//evil.example/x` → `/evil.example/x`); unlike Fresh, a target
 * that would leave the site (another origin, a non-http scheme, `/\host`, control characters) becomes
 * `/`.
 */
export function safeRedirectLocation(target: string, base: URL): string {
  let location = target;
  if (target.startsWith("/")) {
    let idx = target.indexOf("?");
    if (idx === -1) idx = target.indexOf("#");
    const pathname = idx > -1 ? target.slice(0, idx) : target;
    location = pathname.replace(/\/+/g, "/") + (idx > -1 ? target.slice(idx) : "");
  }
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f]/.test(location)) return "/";
  let u: URL;
  try {
    u = new URL(location, base);
  } catch {
    return "/";
  }
  if (u.origin !== base.origin || (u.protocol !== "http:" && u.protocol !== "https:")) return "/";
  return location;
}

function statusOf(err: unknown): number {
  return err instanceof HttpError ? err.status : 500;
}

/** Adds the `Allow` header of a 405 to the response rendered for it. */
function withAllow(res: Response, err: unknown): Response {
  if (!(err instanceof MethodNotAllowedError)) return res;
  try {
    res.headers.set("allow", err.allow);
    return res;
  } catch {
    const out = new Response(res.body, res);
    out.headers.set("allow", err.allow);
    return out;
  }
}

/** The answer when no error page renders an error: Fresh's default error handler. */
function defaultErrorResponse(err: unknown): Response {
  const headers = { "content-type": "text/plain; charset=utf-8" };
  if (err instanceof HttpError) return new Response(err.message, { status: err.status, headers });
  return new Response("Internal server error", { status: 500, headers });
}

/** Whether `use(path, …)` at `scope` covers the route pattern or path `target`. */
function covers(scope: string, target: string): boolean {
  const s = scope.replace(/\/?\*$/, "").replace(/\/+$/, "");
  return s === "" || target === s || target.startsWith(s + "/");
}

class RequestContext<State> implements Context<State> {
  params: Record<string, string> = {};
  state: State = {} as State;
  route: string | null = null;
  error: unknown = null;
  next: () => Promise<Response> = endOfChain;
  /** The wrappers `ctx.render()` uses now (the current folder's; the route's in the handler). */
  setup: RenderSetup;
  /** The matched file route, if any. */
  fsRoute: FsRoute | null = null;
  /** The upper-cased method, or null for a method no route can answer (TRACE, CONNECT, …). */
  method: Method | null;
  /** `Allow` for a refused method. */
  allow = "";

  /** The request; `bodyLimit()` replaces it with one whose body is counted while it streams. */
  req: Request;

  constructor(
    req: Request,
    readonly url: URL,
    readonly info: Deno.ServeHandlerInfo | undefined,
    readonly config: ResolvedAppConfig,
    readonly app: App<unknown>,
    setup: RenderSetup,
  ) {
    this.req = req;
    this.setup = setup;
    this.method = normalizeMethod(req.method);
  }

  get request(): Request {
    return this.req;
  }

  render(vnode?: VNode | null, init: ResponseInit = {}, config: LayoutConfig = {}): Promise<Response> {
    let content: VNode | AnyComponent | null;
    let title: PageTitle | undefined;
    if (vnode === undefined) {
      if (!this.fsRoute?.component) return Promise.reject(new Error("No arguments passed to: ctx.render()"));
      content = this.fsRoute.component;
      title = this.fsRoute.title;
    } else if (vnode !== null && !isValidElement(vnode)) {
      return Promise.reject(new Error("Non-JSX element passed to: ctx.render()"));
    } else content = vnode;
    return this.app._render(this as RequestContext<unknown>, content, undefined, {
      status: init.status,
      statusText: init.statusText,
      headers: init.headers,
      ...config,
    }, title);
  }

  redirect(pathOrUrl: string, status = 302): Response {
    return new Response(null, { status, headers: { location: safeRedirectLocation(pathOrUrl, this.url) } });
  }

  json(data: unknown, init?: ResponseInit): Response {
    const headers = new Headers(init?.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json; charset=utf-8");
    return textResponse(JSON.stringify(data), { ...init, headers });
  }
}

/**
 * The application. Compose it in `main.ts`:
 *
 * ```ts
 * const app = new App<State>({ ...freshConfig }).use(requestLog()).use(staticFiles()).fsRoutes();
 * app.listen();
 * ```
 *
 * As in Fresh, a request passes the `use()` middleware registered before its route, then, for file
 * routes, the folders from `routes/` inwards — each folder's error boundary (its `_404`, `_500` or
 * `_error`) and its `_middleware` — then the handler. An error travels back up through every
 * `await ctx.next()` (each middleware may catch it; `ctx.error` holds it) until the nearest folder
 * with an error page renders it (the root folder's boundary encloses the `use()` middleware too);
 * with no page, the plain default answer. A path that matches no route runs the `_middleware` of the
 * deepest folder containing it (e.g. `routes/admin/` for `/admin/nope`), then answers 404.
 */
export class App<State> {
  readonly #config: ResolvedAppConfig;
  readonly #options: AppOptions;
  readonly #uses: UseEntry[] = [];
  readonly #sources: Source[] = [];
  readonly #onError: (error: unknown, ctx: Context<unknown>) => void;
  #manifest: Manifest | null = null;
  #fs: LoadedFsRoutes | null = null;
  #loading: Promise<void> | null = null;
  #assets = new IslandAssets(null);
  #rootSetup: RenderSetup = { app: null, layouts: [] };
  #chains = new WeakMap<object, Step[]>();
  /** Chains that end in 405/204 for a route or file-route group (apart: the same keys serve requests). */
  #refusalChains = new WeakMap<object, Step[]>();
  #boundaries = new WeakMap<FolderBoundary, AnyMiddleware>();
  #fsTerminals = new WeakMap<FsRoute, AnyMiddleware>();
  #lazy = new WeakMap<AnyMiddleware, AnyMiddleware>();
  #oddChain: Step[] | null = null;
  #notFoundChain: Step[] | null = null;
  #fronts: ((req: Request) => Response | null)[] = [];

  /** @param options the layer's configuration (`{ ...freshConfig }`), project root, dev mode, error hook */
  constructor(options: AppOptions = {}) {
    const root = resolve(options.root ?? Deno.cwd());
    const dev = options.dev ?? Deno.env.get("FRSH_DEV") === "1";
    this.#options = options;
    this.#config = {
      root,
      buildDir: resolveBuildDir(root, options.buildDir),
      dev,
      mode: dev ? "development" : "production",
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

  /** The resolved configuration (root, buildDir, dev, mode). */
  get config(): ResolvedAppConfig {
    return this.#config;
  }

  /**
   * Adds middleware (one, several, or arrays of them) for every request — or, with a path first,
   * only for routes at or below that path. As in Fresh, a route runs the middleware added before it.
   * A middleware may be lazy: a function that resolves, once, to the middleware.
   */
  use(path: string, ...middleware: (MaybeLazyMiddleware<State> | MaybeLazyMiddleware<State>[])[]): this;
  use(...middleware: (MaybeLazyMiddleware<State> | MaybeLazyMiddleware<State>[])[]): this;
  use(
    first: string | MaybeLazyMiddleware<State> | MaybeLazyMiddleware<State>[],
    ...rest: (MaybeLazyMiddleware<State> | MaybeLazyMiddleware<State>[])[]
  ): this {
    const path = typeof first === "string" ? first : null;
    const list = (typeof first === "string" ? rest : [first, ...rest]).flat();
    for (const fn of list) this.#uses.push({ path, fn: fn as AnyMiddleware });
    this.#invalidate();
    return this;
  }

  /**
   * Adds a front answerer (not in Fresh): called with every request BEFORE any context or middleware
   * exists; a `Response` it returns is sent as it is, `null` lets the request through as usual. It must
   * answer synchronously and only requests that need nothing of the chain (see `sharedPages()`: copies of
   * pages that are the same for every visitor, made by the chain itself).
   */
  front(answer: (req: Request) => Response | null): this {
    this.#fronts.push(answer);
    return this;
  }

  /**
   * Adds a GET route (HEAD is answered from it unless a `head()` route exists). `path` is a URLPattern
   * pathname; the middlewares run in order and the last one answers.
   */
  get(path: string, ...middlewares: RouteMiddleware<State>[]): this {
    return this.#add(["GET"], path, middlewares);
  }
  /** Adds a HEAD route. */
  head(path: string, ...middlewares: RouteMiddleware<State>[]): this {
    return this.#add(["HEAD"], path, middlewares);
  }
  /** Adds a POST route. */
  post(path: string, ...middlewares: RouteMiddleware<State>[]): this {
    return this.#add(["POST"], path, middlewares);
  }
  /** Adds a PUT route. */
  put(path: string, ...middlewares: RouteMiddleware<State>[]): this {
    return this.#add(["PUT"], path, middlewares);
  }
  /** Adds a PATCH route. */
  patch(path: string, ...middlewares: RouteMiddleware<State>[]): this {
    return this.#add(["PATCH"], path, middlewares);
  }
  /** Adds a DELETE route. */
  delete(path: string, ...middlewares: RouteMiddleware<State>[]): this {
    return this.#add(["DELETE"], path, middlewares);
  }
  /** Adds a route for every method a route may answer (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS). */
  all(path: string, ...middlewares: RouteMiddleware<State>[]): this {
    return this.#add(null, path, middlewares);
  }

  #add(methods: Method[] | null, path: string, fns: RouteMiddleware<State>[]): this {
    if (fns.length === 0) throw new Error(`Route ${path}: no handler`);
    const exact = IS_PATTERN.test(path) ? null : path;
    this.#sources.push({
      kind: "route",
      route: {
        methods: methods && new Set(methods),
        path,
        exact,
        pattern: exact === null ? new URLPattern({ pathname: path }) : null,
        fns: fns as AnyMiddleware[],
        useCount: this.#uses.length,
      },
    });
    this.#invalidate();
    return this;
  }

  /**
   * Mounts the file routes listed in `<buildDir>/manifest.json` (written by `framework/build.ts`), or
   * in the `manifest` option. Reads the manifest now (throws when it is missing) and imports the
   * modules before the first request.
   */
  fsRoutes(): this {
    const manifest = this.#readManifest();
    this.#sources.push({ kind: "fs", useCount: this.#uses.length });
    this.#assets = new IslandAssets(manifest);
    this.#loading = loadFsRoutes(this.#config.root, manifest, this.#options.loadModule).then((fs) => {
      this.#fs = fs;
      this.#rootSetup = fs.root.setup;
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
      this.#manifest = this.#options.manifest ?? readManifest(this.#config.buildDir);
      setAssetHashes(this.#manifest.assets);
    }
    return this.#manifest;
  }

  #invalidate(): void {
    this.#chains = new WeakMap();
    this.#refusalChains = new WeakMap();
    this.#oddChain = null;
    this.#notFoundChain = null;
  }

  /** The request handler: `(req, info?) => Promise<Response>` (what `Deno.serve` and tests call). */
  handler(): (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response> {
    return (req, info) => this.#handle(req, info);
  }

  /** Starts an HTTP server with `Deno.serve`. */
  listen(options: ListenOptions = {}): Deno.HttpServer<Deno.NetAddr> {
    const handler = this.handler();
    return Deno.serve({
      port: options.port ?? this.#options.port ?? DEFAULT_CONFIG.port,
      hostname: options.hostname ?? this.#options.hostname ?? DEFAULT_CONFIG.hostname,
      signal: options.signal,
      onListen: options.onListen ?? ((addr) => {
        const host = addr.hostname === "0.0.0.0" ? "localhost" : addr.hostname;
        console.log(`Listening on http://${host}:${addr.port}/`);
      }),
    }, handler);
  }

  async #handle(req: Request, info?: Deno.ServeHandlerInfo): Promise<Response> {
    if (this.#loading) await this.#loading;
    for (const answer of this.#fronts) {
      const early = answer(req);
      if (early) return early;
    }
    const url = new URL(req.url);
    // As in Fresh: repeated slashes collapse, so `//evil.example/` is the path `/evil.example/`.
    if (url.pathname.includes("//")) url.pathname = url.pathname.replace(/\/+/g, "/");
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
      this.#rootSetup,
    );
    const chain = this.#route(ctx);
    let res: Response;
    try {
      res = await this.#run(ctx, chain, 0);
    } catch (err) {
      ctx.error = err;
      this.#report(err, ctx);
      res = await applyDecorators(ctx, 0, withAllow(defaultErrorResponse(err), err));
    }
    if (ctx.method === "HEAD" && res.body !== null) {
      await res.body.cancel();
      res = new Response(null, { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    return res;
  }

  /** Finds what answers the request, sets ctx.params/route/fsRoute, and returns the chain to run. */
  #route(ctx: RequestContext<AnyState>): Step[] {
    const method = ctx.method;
    const found = method === null
      ? this.#find(ctx.url.pathname, null, false)
      : method === "HEAD"
      ? this.#find(ctx.url.pathname, method, true) ?? this.#find(ctx.url.pathname, method, false)
      : this.#find(ctx.url.pathname, method, false);
    if (method === null) {
      // Methods no route answers (TRACE, CONNECT, …): only the app-level middleware runs.
      if (found?.kind === "refused") {
        ctx.route = found.pattern;
        ctx.allow = allowHeader(found.allowed);
      }
      this.#oddChain ??= [
        ...this.#rootBoundary(),
        ...this.#useSteps(this.#uses.length, null),
        { fn: this.#refuseOddMethod, setup: null },
      ];
      return this.#oddChain;
    }
    if (found === null) return this.#notFound(ctx);
    ctx.params = found.params;
    if (found.kind === "route") {
      const r = found.route;
      ctx.route = r.path;
      return this.#chainFor(r, () => [
        ...this.#rootBoundary(),
        ...this.#useSteps(found.useCount, r.path),
        ...r.fns.map((fn) => ({ fn, setup: null })),
      ]);
    }
    if (found.kind === "fs") {
      const route = found.route;
      ctx.route = route.pattern;
      ctx.fsRoute = route;
      return this.#chainFor(route, () => [
        ...this.#rootBoundary(),
        ...this.#useSteps(found.useCount, route.pattern),
        ...this.#layerSteps(route.layers),
        { fn: this.#fsTerminal(route), setup: route.setup },
      ]);
    }
    // The path matches, the method does not: 405 (OPTIONS: 204), after the route's folders.
    ctx.route = found.pattern;
    ctx.allow = allowHeader(found.allowed);
    const layers = found.fs?.routes[0].layers ?? [];
    return this.#chainFor(found.key, () => [
      ...this.#rootBoundary(),
      ...this.#useSteps(found.useCount, found.pattern),
      ...this.#layerSteps(layers),
      { fn: this.#refuseMethod, setup: null },
    ], this.#refusalChains);
  }

  /**
   * The route for a path and method: static patterns first (programmatic and file routes in order of
   * registration), then dynamic ones. A path that matches but not for this method yields "refused"
   * with the methods it allows. `strictHead` skips GET routes for HEAD (a `head()` route wins).
   */
  #find(pathname: string, method: Method | null, strictHead: boolean): Found {
    let refused: Exclude<Found, null> | null = null;
    const allowed = new Set<Method>();
    for (const phase of ["static", "dynamic"] as const) {
      for (const source of this.#sources) {
        if (source.kind === "route") {
          const r = source.route;
          if ((phase === "static") !== (r.exact !== null)) continue;
          const params = this.#matchRoute(r, pathname);
          if (params === null) continue;
          const methods = r.methods ?? METHODS;
          const answers = method !== null && (r.methods === null || r.methods.has(method) ||
            (!strictHead && method === "HEAD" && r.methods.has("GET")));
          if (answers) return { kind: "route", route: r, useCount: r.useCount, params };
          for (const m of methods) allowed.add(m);
          refused ??= {
            kind: "refused",
            pattern: r.path,
            allowed,
            fs: null,
            useCount: r.useCount,
            key: r,
            params,
          };
          continue;
        }
        const fs = this.#fs;
        if (!fs) continue;
        const m = phase === "static" ? fs.table.matchStatic(pathname) : fs.table.matchDynamic(pathname);
        if (!m) continue;
        const group = m.value;
        const route = method === null || (strictHead && method === "HEAD")
          ? null
          : routeForMethod(group, method);
        if (route) return { kind: "fs", route, group, useCount: source.useCount, params: m.params };
        for (const x of group.methods) allowed.add(x);
        refused ??= {
          kind: "refused",
          pattern: group.pattern,
          allowed,
          fs: group,
          useCount: source.useCount,
          key: group,
          params: m.params,
        };
      }
    }
    return strictHead ? null : refused;
  }

  #matchRoute(r: ProgrammaticRoute, pathname: string): Record<string, string> | null {
    if (r.exact !== null) return r.exact === pathname ? {} : null;
    const m = r.pattern!.exec({ pathname });
    if (!m) return null;
    const params: Record<string, string> = {};
    try {
      for (const [k, v] of Object.entries(m.pathname.groups)) params[k] = v === undefined ? "" : decodeURI(v);
    } catch {
      return null; // a malformed escape matches nothing
    }
    return params;
  }

  /** No route: the deepest folder containing the path runs its middleware, then the 404. */
  #notFound(ctx: RequestContext<AnyState>): Step[] {
    const folder = this.#fs?.folders.match(ctx.url.pathname);
    if (folder) {
      ctx.params = folder.params;
      const f: FsFolder = folder.value;
      return this.#chainFor(f, () => [
        ...this.#rootBoundary(),
        ...this.#useSteps(this.#uses.length, null),
        ...this.#layerSteps(f.layers),
        { fn: this.#throwNotFound, setup: null },
      ]);
    }
    this.#notFoundChain ??= [
      ...this.#rootBoundary(),
      ...this.#useSteps(this.#uses.length, null),
      { fn: this.#throwNotFound, setup: null },
    ];
    return this.#notFoundChain;
  }

  #chainFor(key: object, make: () => Step[], cache = this.#chains): Step[] {
    let chain = cache.get(key);
    if (!chain) {
      chain = make();
      cache.set(key, chain);
    }
    return chain;
  }

  /** The root folder's error boundary: outermost, around the `use()` middleware too (as in Fresh). */
  #rootBoundary(): Step[] {
    const b = this.#fs?.root.boundary;
    return b ? [{ fn: this.#boundary(b), setup: this.#rootSetup }] : [];
  }

  /** The first `count` `use()` middlewares that apply to `target` (a route pattern; null: unscoped only). */
  #useSteps(count: number, target: string | null): Step[] {
    return this.#uses.slice(0, count)
      .filter((u) => u.path === null || (target !== null && covers(u.path, target)))
      .map((u) => ({ fn: u.fn, setup: this.#rootSetup }));
  }

  /** Folder layers: each folder's boundary (but the root's, which is outermost) and middleware. */
  #layerSteps(layers: FolderLayer[]): Step[] {
    const steps: Step[] = [];
    for (const layer of layers) {
      if (layer.boundary && layer.dir !== "") {
        steps.push({ fn: this.#boundary(layer.boundary), setup: layer.setup });
      }
      for (const fn of layer.middlewares) steps.push({ fn, setup: layer.setup });
    }
    return steps;
  }

  /** Runs step `i` of the chain with `ctx.next` set to the rest of it. */
  async #run(ctx: RequestContext<AnyState>, chain: Step[], i: number): Promise<Response> {
    const step = chain[i];
    if (step === undefined) return endOfChain();
    const prevNext = ctx.next;
    const prevSetup = ctx.setup;
    ctx.next = () => this.#run(ctx, chain, i + 1);
    if (step.setup) ctx.setup = step.setup;
    const mark = decoratorMark(ctx);
    try {
      const fn = this.#lazy.get(step.fn) ?? step.fn;
      let res: unknown = await fn(ctx);
      if (typeof res === "function") {
        // A lazy middleware resolved to the real one: keep it for every later request.
        this.#lazy.set(step.fn, res as AnyMiddleware);
        res = await (res as AnyMiddleware)(ctx);
      }
      if (!(res instanceof Response)) {
        throw new Error(
          isPageResponse(res)
            ? `${
              ctx.route ?? ctx.url.pathname
            }: page() needs a page component; use ctx.render(<Page />) instead`
            : `Expected a "Response" from a middleware or handler, but got: ${res}`,
        );
      }
      dropDecorators(ctx, mark);
      return res;
    } catch (err) {
      ctx.error = err;
      throw err;
    } finally {
      ctx.next = prevNext;
      ctx.setup = prevSetup;
    }
  }

  /** The error boundary of a folder: renders its `_404`/`_500`/`_error` for errors nobody caught. */
  #boundary(b: FolderBoundary): AnyMiddleware {
    let fn = this.#boundaries.get(b);
    if (fn) return fn;
    fn = async (ctx) => {
      const mark = decoratorMark(ctx);
      try {
        return await ctx.next();
      } catch (err) {
        const status = statusOf(err);
        const page = status === 404 ? (b.notFound ?? (b.errorHandles404 ? b.error : null)) : b.error;
        if (!page) throw err;
        const c = ctx as RequestContext<unknown>;
        c.error = err;
        this.#report(err, c);
        const res = await this.#renderErrorPage(c, page, err, status);
        return await applyDecorators(ctx, mark, withAllow(res, err));
      }
    };
    this.#boundaries.set(b, fn);
    return fn;
  }

  /** An error page: its handler (with `ctx.error` set) or its component, with the error's status. */
  async #renderErrorPage(
    ctx: RequestContext<unknown>,
    page: ErrorPage,
    err: unknown,
    status: number,
  ): Promise<Response> {
    ctx.setup = page.setup;
    // The failed page's title must not label the error page.
    if (typeof ctx.state === "object" && ctx.state !== null) delete (ctx.state as { title?: unknown }).title;
    const h = page.handler;
    const method = ctx.method ?? "GET";
    const fn: HandlerFn<unknown, unknown> | undefined = typeof h === "function"
      ? h
      : h?.[method] ?? (method === "HEAD" ? h?.GET : undefined);
    if (fn) {
      const result = await fn(ctx);
      if (result instanceof Response) return result;
      if (!isPageResponse(result)) {
        throw new Error(`${page.file}: the handler must return a Response or page data`);
      }
      return await this._render(
        ctx,
        page.component,
        result.data,
        { status: result.status ?? status, headers: result.headers },
        page.title,
      );
    }
    if (!page.component) throw err;
    return await this._render(ctx, page.component, undefined, { status }, page.title);
  }

  #report(err: unknown, ctx: RequestContext<unknown>): void {
    if (statusOf(err) < 500 || err instanceof MethodNotImplementedError) return;
    try {
      this.#onError(err, ctx as Context<unknown>);
    } catch { /* reporting must not break the response */ }
  }

  #fsTerminal(route: FsRoute): AnyMiddleware {
    let terminal = this.#fsTerminals.get(route);
    if (terminal) return terminal;
    terminal = async (ctx) => {
      const c = ctx as RequestContext<unknown>;
      const method = c.method!;
      const h = route.handler;
      const fn: HandlerFn<unknown, unknown> | undefined = typeof h === "function"
        ? h
        : h?.[method] ?? (method === "HEAD" ? h?.GET : undefined);
      if (!fn) {
        if ((method === "GET" || method === "HEAD") && route.component) {
          return await this._render(c, route.component, undefined, {}, route.title);
        }
        throw new MethodNotAllowedError(allowHeader(route.methods));
      }
      const result = await fn(c);
      if (result instanceof Response) return result;
      if (isPageResponse(result)) {
        return await this._render(
          c,
          route.component,
          result.data,
          { status: result.status, headers: result.headers },
          route.title,
        );
      }
      throw new Error(`${route.file}: the handler must return a Response or page data (page() or { data })`);
    };
    this.#fsTerminals.set(route, terminal);
    return terminal;
  }

  #throwNotFound: AnyMiddleware = () => {
    throw new HttpError(404);
  };

  /** A known method the matched route does not answer: 405 with Allow; OPTIONS: 204 with Allow. */
  #refuseMethod: AnyMiddleware = (ctx) => {
    const c = ctx as RequestContext<unknown>;
    if (c.method === "OPTIONS") return new Response(null, { status: 204, headers: { allow: c.allow } });
    throw new MethodNotAllowedError(c.allow);
  };

  /** A method no route answers: 405 with Allow where a route matches the path, else 501. */
  #refuseOddMethod: AnyMiddleware = (ctx) => {
    const c = ctx as RequestContext<unknown>;
    if (c.allow) throw new MethodNotAllowedError(c.allow);
    throw new MethodNotImplementedError(c.req.method);
  };

  /**
   * @internal Renders `content` inside the context's `_app` and layouts. `title` is the page module's
   * `title` export: it is written to `ctx.state.title` before rendering.
   */
  _render(
    ctx: RequestContext<unknown>,
    content: AnyComponent | VNode | null,
    data: unknown,
    init: { status?: number; statusText?: string; headers?: HeadersInit } & LayoutConfig,
    title?: PageTitle,
  ): Promise<Response> {
    const props = {
      data,
      url: ctx.url,
      params: ctx.params,
      state: ctx.state,
      req: ctx.req,
      info: ctx.info,
      config: ctx.config,
      route: ctx.route,
      error: ctx.error,
    };
    if (title !== undefined && typeof ctx.state === "object" && ctx.state !== null) {
      const value = typeof title === "function" ? title({ ...props, Component: () => null }) : title;
      (ctx.state as { title?: string }).title = value;
    }
    return renderPage({
      setup: ctx.setup,
      content,
      props,
      assets: this.#assets,
      extraBody: this.#config.dev ? RELOAD_SCRIPT_TAG : undefined,
      status: init.status,
      statusText: init.statusText,
      headers: init.headers,
      skipAppWrapper: init.skipAppWrapper,
      skipInheritedLayouts: init.skipInheritedLayouts,
    });
  }
}

/**
 * What `app.get()` and friends take: middlewares whose last one answers (Fresh's signature), or a lazy
 * one (a function resolving, once, to the middleware).
 */
export type RouteMiddleware<State> = MaybeLazyMiddleware<State> | Middleware<State>;
