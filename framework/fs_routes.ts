/**
 * Loads the file routes listed in the build manifest (once, at startup) and resolves, per route, the
 * folders it lies in — each with its error pages (`_404`, `_500`/`_error`) and `_middleware` — its
 * layouts and `_app`; and, per folder, the same for unmatched paths below that folder.
 * @module
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ComponentType } from "preact";
import { registerIsland } from "./islands.ts";
import type { Manifest } from "./manifest.ts";
import { type Method, METHODS } from "./methods.ts";
import type { RenderSetup } from "./render.ts";
import { fileToPattern, isGroup, PatternTable, PrefixTable } from "./router.ts";
import type {
  AnyComponent,
  HandlerByMethod,
  HandlerFn,
  LayoutComponent,
  Middleware,
  PageTitle,
  RouteConfig,
} from "./types.ts";

// deno-lint-ignore no-explicit-any
type AnyState = any;
/** A route or error page handler: a function for every method, or functions by method. */
export type AnyHandler = HandlerFn<unknown, AnyState> | HandlerByMethod<unknown, AnyState>;

/** An error page (`_404`, `_500` or `_error`) with the wrappers of its own folder. */
export interface ErrorPage {
  file: string;
  /** The page component (may be absent when a handler answers). */
  component: AnyComponent | null;
  /** The module's `handler`/`handlers` export: it runs with `ctx.error` set. */
  handler: AnyHandler | null;
  /** `_app` and the layouts of the error page's folder (and its own `config`). */
  setup: RenderSetup;
  /** The module's `title` export. */
  title: PageTitle | undefined;
}

/**
 * The error pages of one folder, as an error boundary: errors thrown below the folder (by its
 * middleware, deeper folders or routes) that nobody caught are rendered here, else passed up.
 */
export interface FolderBoundary {
  /** The folder's own `_404`. */
  notFound: ErrorPage | null;
  /** The folder's own `_500` or `_error`. */
  error: ErrorPage | null;
  /** The error page also renders 404s: no folder above has a `_404`. */
  errorHandles404: boolean;
}

/** One folder on the way from `routes/` to a route: its error boundary and its middleware. */
export interface FolderLayer {
  /** Folder relative to `routes/` (`""` for the root). */
  dir: string;
  /** Present when the folder has error pages. */
  boundary: FolderBoundary | null;
  /** The folder's `_middleware` (one or an array). */
  middlewares: Middleware<AnyState>[];
  /** `_app` and the folder's layouts: what `ctx.render()` uses while its middleware runs. */
  setup: RenderSetup;
}

/** A loaded file route. */
export interface FsRoute {
  pattern: string;
  file: string;
  handler: AnyHandler | null;
  component: AnyComponent | null;
  /** The module's `title` export. */
  title: PageTitle | undefined;
  /** The folders from `routes/` down to the route's own, outermost first. */
  layers: FolderLayer[];
  /** `_app` and layouts for the page (after the route's own `config`). */
  setup: RenderSetup;
  /** The methods the route answers (HEAD with GET). */
  methods: Set<Method>;
}

/** The routes serving one URL pattern (several when `(group)` folders share it), by method. */
export interface FsRouteGroup {
  pattern: string;
  routes: FsRoute[];
  /** Every method any of the routes answers. */
  methods: Set<Method>;
}

/** A folder of `routes/`, used for paths that match no route but lie below the folder's URL prefix. */
export interface FsFolder {
  /** Folder relative to `routes/` (`""` for the root). */
  dir: string;
  /** The folders from `routes/` down to this one. */
  layers: FolderLayer[];
}

/** Everything `fsRoutes()` provides to the app. */
export interface LoadedFsRoutes {
  table: PatternTable<FsRouteGroup>;
  /** Folder URL prefixes → folder; the deepest one containing an unmatched path handles it. */
  folders: PrefixTable<FsFolder>;
  /** The root folder's layer (its boundary wraps the whole app). */
  root: FolderLayer;
}

/** Loads a module of the project by its path relative to the project root. */
export type ModuleLoader = (file: string) => Promise<unknown>;

interface RouteModule {
  default?: unknown;
  handler?: unknown;
  handlers?: unknown;
  config?: unknown;
  title?: unknown;
}

function ancestors(dir: string): string[] {
  const out = [""];
  if (dir === "") return out;
  const parts = dir.split("/");
  for (let i = 1; i <= parts.length; i++) out.push(parts.slice(0, i).join("/"));
  return out;
}

/** Number of `(group)` segments of a folder path. */
function groupCount(dir: string): number {
  return dir === "" ? 0 : dir.split("/").filter(isGroup).length;
}

/** The URL prefix of a folder (`(group)` segments vanish; a folder named `index` keeps its name). */
function folderPattern(dir: string): string {
  return dir === "" ? "/" : fileToPattern(`${dir}/_`).slice(0, -2) || "/";
}

function titleOf(mod: RouteModule, file: string): PageTitle | undefined {
  const t = mod.title;
  if (t === undefined || typeof t === "string" || typeof t === "function") return t as PageTitle | undefined;
  throw new Error(`${file}: "title" must be a string or a function of the page props`);
}

/** Fresh's check: a route-ish module exports a default function, a config object, or handlers. */
function validate(mod: RouteModule, file: string): { handler: unknown; config: RouteConfig } {
  const handler = mod.handlers ?? mod.handler ?? null;
  const relevant = typeof mod.default === "function" || typeof mod.config === "object" ||
    typeof handler === "function" || (typeof handler === "object" && handler !== null);
  if (!relevant) {
    throw new Error(
      `${file}: expected a route, middleware, layout or error page, but found none of the relevant exports ` +
        `(default component, handler/handlers, config)`,
    );
  }
  if (mod.config !== undefined && (typeof mod.config !== "object" || mod.config === null)) {
    throw new Error(`${file}: "config" must be an object`);
  }
  const config = (mod.config ?? {}) as RouteConfig & { routeOverride?: unknown };
  if (config.routeOverride !== undefined) {
    throw new Error(
      `${file}: config.routeOverride is not supported by this layer; name the file after the URL`,
    );
  }
  return { handler, config };
}

function asHandler(value: unknown, file: string): AnyHandler | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "function") return value as AnyHandler;
  if (typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (!(METHODS as readonly string[]).includes(k) || typeof v !== "function") {
        throw new Error(
          `${file}: handler "${k}" must be a function named after an HTTP method (${METHODS.join(", ")})`,
        );
      }
    }
    return value as AnyHandler;
  }
  throw new Error(`${file}: "handler" must be a function or an object of method handlers`);
}

function asMiddlewares(value: unknown, file: string): Middleware<AnyState>[] {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    throw new Error(
      `${file}: a _middleware must export a middleware function or an array of them, ` +
        `not handlers by method (GET, POST, …)`,
    );
  }
  const list = Array.isArray(value) ? value : [value];
  for (const m of list) {
    if (typeof m !== "function") {
      throw new Error(`${file}: a _middleware must export a middleware function or an array of them`);
    }
  }
  return list as Middleware<AnyState>[];
}

/** The methods a route answers: all for a handler function, else its handlers' and GET for a page. */
export function methodsOf(handler: AnyHandler | null, component: unknown): Set<Method> {
  if (typeof handler === "function") return new Set(METHODS);
  const set = new Set<Method>();
  if (handler) { for (const m of METHODS) if ((handler as Record<string, unknown>)[m]) set.add(m); }
  if (component) set.add("GET");
  if (set.has("GET")) set.add("HEAD");
  return set;
}

/** Imports every route and island module of the manifest and builds the route table. */
export async function loadFsRoutes(
  root: string,
  manifest: Manifest,
  load?: ModuleLoader,
): Promise<LoadedFsRoutes> {
  const importFile = (file: string): Promise<RouteModule> =>
    (load ? load(file) : import(pathToFileURL(resolve(join(root, file))).href)) as Promise<RouteModule>;

  // Islands first, so that the registry is filled before any render.
  await Promise.all(
    Object.entries(manifest.islands).map(async ([name, island]) => {
      const mod = await importFile(island.file);
      if (typeof mod.default !== "function") {
        throw new Error(`${island.file}: an island must export a default component`);
      }
      registerIsland(name, mod.default as ComponentType);
    }),
  );

  const modules = new Map<string, RouteModule>();
  await Promise.all(manifest.routes.map(async (r) => modules.set(r.file, await importFile(r.file))));

  const middlewareByDir = new Map<string, Middleware<AnyState>[]>();
  const layoutByDir = new Map<string, { component: LayoutComponent<unknown>; config: RouteConfig }>();
  let app: LayoutComponent<unknown> | null = null;
  const notFoundByDir = new Map<string, { file: string; mod: RouteModule }>();
  const errorByDir = new Map<string, { file: string; mod: RouteModule }>();

  for (const r of manifest.routes) {
    const mod = modules.get(r.file)!;
    switch (r.kind) {
      case "middleware": {
        const middleware = mod.handlers ?? mod.handler ?? mod.default;
        if (middleware === undefined) {
          throw new Error(`${r.file}: a _middleware must export "handler" (or a default middleware)`);
        }
        middlewareByDir.set(r.dir, asMiddlewares(middleware, r.file));
        break;
      }
      case "layout": {
        const { handler, config } = validate(mod, r.file);
        if (handler !== null) {
          console.warn(`${r.file}: a _layout does not support handlers; "handler" is ignored`);
        }
        if (typeof mod.default !== "function") break;
        layoutByDir.set(r.dir, { component: mod.default as LayoutComponent<unknown>, config });
        break;
      }
      case "app":
        if (r.dir !== "") throw new Error(`${r.file}: _app is only allowed at the top of routes/`);
        validate(mod, r.file);
        if (typeof mod.default === "function") app = mod.default as LayoutComponent<unknown>;
        break;
      case "notFound":
      case "error": {
        const { handler } = validate(mod, r.file);
        asHandler(handler, r.file);
        titleOf(mod, r.file);
        const byDir = r.kind === "notFound" ? notFoundByDir : errorByDir;
        const other = byDir.get(r.dir);
        if (other) throw new Error(`${other.file} and ${r.file} are both the error page of their folder`);
        byDir.set(r.dir, { file: r.file, mod });
        break;
      }
    }
  }

  const setupFor = (dir: string, config: RouteConfig): RenderSetup => {
    let layouts: LayoutComponent<unknown>[] = [];
    let skipApp = config.skipAppWrapper === true;
    if (config.skipInheritedLayouts !== true) {
      for (const d of ancestors(dir)) {
        const layout = layoutByDir.get(d);
        if (!layout) continue;
        if (layout.config.skipInheritedLayouts) layouts = [];
        if (layout.config.skipAppWrapper) skipApp = true;
        layouts.push(layout.component);
      }
    }
    return { app: skipApp ? null : app, layouts };
  };

  const errorPage = (
    found: { file: string; mod: RouteModule } | undefined,
    dir: string,
  ): ErrorPage | null => {
    if (!found) return null;
    const { handler, config } = validate(found.mod, found.file);
    return {
      file: found.file,
      component: typeof found.mod.default === "function" ? found.mod.default as AnyComponent : null,
      handler: asHandler(handler, found.file),
      setup: setupFor(dir, config),
      title: titleOf(found.mod, found.file),
    };
  };

  const layerByDir = new Map<string, FolderLayer>();
  const layerFor = (dir: string): FolderLayer => {
    let layer = layerByDir.get(dir);
    if (layer) return layer;
    const notFound = errorPage(notFoundByDir.get(dir), dir);
    const error = errorPage(errorByDir.get(dir), dir);
    const above = ancestors(dir).slice(0, -1);
    layer = {
      dir,
      boundary: notFound || error
        ? { notFound, error, errorHandles404: !above.some((d) => notFoundByDir.has(d)) }
        : null,
      middlewares: middlewareByDir.get(dir) ?? [],
      setup: setupFor(dir, {}),
    };
    layerByDir.set(dir, layer);
    return layer;
  };
  const layersFor = (dir: string) => ancestors(dir).map(layerFor);

  const groups = new Map<string, FsRouteGroup>();
  for (const r of manifest.routes) {
    if (r.kind !== "route") continue;
    const mod = modules.get(r.file)!;
    const { handler: rawHandler, config } = validate(mod, r.file);
    const handler = asHandler(rawHandler, r.file);
    const component = typeof mod.default === "function" ? mod.default as AnyComponent : null;
    if (!handler && !component) {
      throw new Error(`${r.file}: a route must export "handler" (or "handlers") and/or a default component`);
    }
    const route: FsRoute = {
      pattern: r.pattern,
      file: r.file,
      handler,
      component,
      title: titleOf(mod, r.file),
      layers: layersFor(r.dir),
      setup: setupFor(r.dir, config),
      methods: methodsOf(handler, component),
    };
    let group = groups.get(r.pattern);
    if (!group) {
      group = { pattern: r.pattern, routes: [], methods: new Set() };
      groups.set(r.pattern, group);
    }
    for (const other of group.routes) {
      const both = METHODS.filter((m) => m !== "HEAD" && other.methods.has(m) && route.methods.has(m));
      if (both.length > 0) {
        throw new Error(`${other.file} and ${r.file} both answer ${both.join(", ")} for ${r.pattern}`);
      }
    }
    group.routes.push(route);
    for (const m of route.methods) group.methods.add(m);
  }

  // Every folder that holds a file (and every folder above it), by URL prefix. Where folders share a
  // prefix (`(group)` folders vanish from URLs), the one with the fewest groups wins, then by name.
  const dirs = new Set<string>([""]);
  for (const r of manifest.routes) for (const d of ancestors(r.dir)) dirs.add(d);
  const folderEntries: [string, FsFolder][] = [...dirs]
    .sort((a, b) => groupCount(a) - groupCount(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map((dir) => [folderPattern(dir), { dir, layers: layersFor(dir) }]);

  return {
    table: new PatternTable([...groups.values()].map((g) => [g.pattern, g])),
    folders: new PrefixTable(folderEntries),
    root: layerFor(""),
  };
}

/** The route of a group that answers `method` (HEAD: one with its own HEAD handler first), or null. */
export function routeForMethod(group: FsRouteGroup, method: Method): FsRoute | null {
  if (method === "HEAD" && group.routes.length > 1) {
    for (const r of group.routes) {
      if (typeof r.handler === "function" || (r.handler as Record<string, unknown> | null)?.HEAD) return r;
    }
  }
  for (const r of group.routes) if (r.methods.has(method)) return r;
  return null;
}
