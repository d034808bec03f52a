/**
 * Loads the file routes listed in the build manifest (once, at startup) and resolves, per route,
 * its folder middleware chain, its layouts and its `_app`.
 * @module
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ComponentType } from "preact";
import { registerIsland } from "./islands.ts";
import type { Manifest } from "./manifest.ts";
import type { RenderSetup } from "./render.ts";
import { PatternTable } from "./router.ts";
import type {
  AnyComponent,
  HandlerByMethod,
  HandlerFn,
  LayoutComponent,
  Middleware,
  RouteConfig,
} from "./types.ts";

// deno-lint-ignore no-explicit-any
type AnyState = any;

/** A loaded file route. */
export interface FsRoute {
  pattern: string;
  file: string;
  handler: HandlerFn<unknown, AnyState> | HandlerByMethod<unknown, AnyState> | null;
  component: AnyComponent | null;
  /** Folder middleware, outermost first. */
  middlewares: Middleware<AnyState>[];
  setup: RenderSetup;
  /** Value of the `Allow` header (for 405). */
  allow: string;
}

/** Everything `fsRoutes()` provides to the app. */
export interface LoadedFsRoutes {
  table: PatternTable<FsRoute>;
  /** Middleware of the root folder (`routes/_middleware.ts`), for unmatched paths. */
  rootMiddlewares: Middleware<AnyState>[];
  /** `_app` + root `_layout` (for error pages). */
  rootSetup: RenderSetup;
  notFound: AnyComponent | null;
  errorPage: AnyComponent | null;
}

interface RouteModule {
  default?: unknown;
  handler?: unknown;
  config?: RouteConfig;
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

function ancestors(dir: string): string[] {
  const out = [""];
  if (dir === "") return out;
  const parts = dir.split("/");
  for (let i = 1; i <= parts.length; i++) out.push(parts.slice(0, i).join("/"));
  return out;
}

function asMiddlewares(value: unknown, file: string): Middleware<AnyState>[] {
  const list = Array.isArray(value) ? value : [value];
  for (const m of list) {
    if (typeof m !== "function") {
      throw new Error(`${file}: "handler" must be a middleware function or an array of them`);
    }
  }
  return list as Middleware<AnyState>[];
}

function allowHeader(route: Pick<FsRoute, "handler" | "component">): string {
  const set = new Set<string>();
  if (route.component) set.add("GET").add("HEAD");
  if (route.handler && typeof route.handler === "object") {
    for (const m of METHODS) {
      if (typeof (route.handler as Record<string, unknown>)[m] === "function") {
        set.add(m);
        if (m === "GET") set.add("HEAD");
      }
    }
  }
  return METHODS.filter((m) => set.has(m)).join(", ");
}

/** Imports every route and island module of the manifest and builds the route table. */
export async function loadFsRoutes(root: string, manifest: Manifest): Promise<LoadedFsRoutes> {
  const importFile = (file: string) =>
    import(pathToFileURL(resolve(join(root, file))).href) as Promise<RouteModule>;

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
  let notFound: LoadedFsRoutes["notFound"] = null;
  let errorPage: LoadedFsRoutes["errorPage"] = null;

  for (const r of manifest.routes) {
    const mod = modules.get(r.file)!;
    switch (r.kind) {
      case "middleware":
        if (mod.handler === undefined) throw new Error(`${r.file}: a _middleware file must export "handler"`);
        middlewareByDir.set(r.dir, asMiddlewares(mod.handler, r.file));
        break;
      case "layout":
        if (typeof mod.default !== "function") {
          throw new Error(`${r.file}: a _layout must export a default component`);
        }
        layoutByDir.set(r.dir, {
          component: mod.default as LayoutComponent<unknown>,
          config: mod.config ?? {},
        });
        break;
      case "app":
        if (r.dir !== "") throw new Error(`${r.file}: _app is only allowed at the top of routes/`);
        if (typeof mod.default !== "function") {
          throw new Error(`${r.file}: _app must export a default component`);
        }
        app = mod.default as LayoutComponent<unknown>;
        break;
      case "notFound":
        if (r.dir === "" && typeof mod.default === "function") notFound = mod.default as AnyComponent;
        break;
      case "error":
        if (r.dir === "" && typeof mod.default === "function") errorPage = mod.default as AnyComponent;
        break;
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

  const entries: [string, FsRoute][] = [];
  for (const r of manifest.routes) {
    if (r.kind !== "route") continue;
    const mod = modules.get(r.file)!;
    const handler = mod.handler ?? null;
    if (handler !== null && typeof handler !== "function" && typeof handler !== "object") {
      throw new Error(`${r.file}: "handler" must be a function or an object of method handlers`);
    }
    const component = typeof mod.default === "function" ? mod.default as FsRoute["component"] : null;
    if (!handler && !component) {
      throw new Error(`${r.file}: a route must export "handler" and/or a default component`);
    }
    const middlewares = ancestors(r.dir).flatMap((d) => middlewareByDir.get(d) ?? []);
    const route = {
      pattern: r.pattern,
      file: r.file,
      handler: handler as FsRoute["handler"],
      component,
      middlewares,
      setup: setupFor(r.dir, mod.config ?? {}),
      allow: "",
    };
    route.allow = allowHeader(route);
    entries.push([r.pattern, route]);
  }

  return {
    table: new PatternTable(entries),
    rootMiddlewares: middlewareByDir.get("") ?? [],
    rootSetup: { app, layouts: layoutByDir.has("") ? [layoutByDir.get("")!.component] : [] },
    notFound,
    errorPage,
  };
}
