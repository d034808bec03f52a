/**
 * Loads the file routes listed in the build manifest (once, at startup) and resolves, per route,
 * its folder middleware chain, its layouts, its `_app` and its nearest `_404`/`_500`; and, per folder,
 * the same for unmatched paths below that folder (the folder-prefix table).
 * @module
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ComponentType } from "preact";
import { registerIsland } from "./islands.ts";
import type { Manifest } from "./manifest.ts";
import type { RenderSetup } from "./render.ts";
import { fileToPattern, PatternTable, PrefixTable } from "./router.ts";
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

/** An error page (`_404` or `_500`) with the wrappers of its own folder. */
export interface ErrorPage {
  file: string;
  component: AnyComponent;
  /** `_app` and the layouts of the error page's folder (and its own `config`). */
  setup: RenderSetup;
  /** The module's `title` export. */
  title: PageTitle | undefined;
}

/** The nearest `_404` and `_500` of a folder (its own, else the closest folder above). */
export interface ErrorPages {
  notFound: ErrorPage | null;
  error: ErrorPage | null;
}

/** A loaded file route. */
export interface FsRoute {
  pattern: string;
  file: string;
  handler: HandlerFn<unknown, AnyState> | HandlerByMethod<unknown, AnyState> | null;
  component: AnyComponent | null;
  /** The module's `title` export. */
  title: PageTitle | undefined;
  /** Folder middleware, outermost first. */
  middlewares: Middleware<AnyState>[];
  setup: RenderSetup;
  /** Error pages for errors of this route (nearest to the route's folder). */
  errorPages: ErrorPages;
  /** Value of the `Allow` header (for 405). */
  allow: string;
}

/** A folder of `routes/`, used for paths that match no route but lie below the folder's URL prefix. */
export interface FsFolder {
  /** Folder relative to `routes/` (`""` for the root). */
  dir: string;
  /** Middleware of the folder and the folders above, outermost first. */
  middlewares: Middleware<AnyState>[];
  /** `_app` and the folder's layouts (for `ctx.render()` in its middleware). */
  setup: RenderSetup;
  /** Nearest error pages. */
  errorPages: ErrorPages;
}

/** Everything `fsRoutes()` provides to the app. */
export interface LoadedFsRoutes {
  table: PatternTable<FsRoute>;
  /** Folder URL prefixes → folder; the deepest one containing an unmatched path handles it. */
  folders: PrefixTable<FsFolder>;
  /** `_app` + root `_layout` (for programmatic routes' `ctx.render()`). */
  rootSetup: RenderSetup;
  /** The root folder's error pages (for programmatic routes and app middleware outside any folder). */
  rootErrorPages: ErrorPages;
}

interface RouteModule {
  default?: unknown;
  handler?: unknown;
  config?: RouteConfig;
  title?: unknown;
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

function ancestors(dir: string): string[] {
  const out = [""];
  if (dir === "") return out;
  const parts = dir.split("/");
  for (let i = 1; i <= parts.length; i++) out.push(parts.slice(0, i).join("/"));
  return out;
}

/** Number of `(group)` segments of a folder path. */
function groupCount(dir: string): number {
  return dir === "" ? 0 : dir.split("/").filter((p) => /^\(.+\)$/.test(p)).length;
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
  const notFoundByDir = new Map<string, { file: string; mod: RouteModule }>();
  const errorByDir = new Map<string, { file: string; mod: RouteModule }>();

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
      case "error":
        if (typeof mod.default !== "function") {
          throw new Error(`${r.file}: an error page must export a default component`);
        }
        titleOf(mod, r.file);
        (r.kind === "notFound" ? notFoundByDir : errorByDir).set(r.dir, { file: r.file, mod });
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

  // One ErrorPage object per error-page file, rendered inside the wrappers of its own folder.
  const errorPageCache = new Map<string, ErrorPage>();
  const nearest = (byDir: Map<string, { file: string; mod: RouteModule }>, dir: string): ErrorPage | null => {
    const dirs = ancestors(dir);
    for (let i = dirs.length - 1; i >= 0; i--) {
      const found = byDir.get(dirs[i]);
      if (!found) continue;
      let page = errorPageCache.get(found.file);
      if (!page) {
        page = {
          file: found.file,
          component: found.mod.default as AnyComponent,
          setup: setupFor(dirs[i], found.mod.config ?? {}),
          title: titleOf(found.mod, found.file),
        };
        errorPageCache.set(found.file, page);
      }
      return page;
    }
    return null;
  };
  const errorPagesByDir = new Map<string, ErrorPages>();
  const errorPagesFor = (dir: string): ErrorPages => {
    let pages = errorPagesByDir.get(dir);
    if (!pages) {
      pages = { notFound: nearest(notFoundByDir, dir), error: nearest(errorByDir, dir) };
      errorPagesByDir.set(dir, pages);
    }
    return pages;
  };
  const middlewaresFor = (dir: string) => ancestors(dir).flatMap((d) => middlewareByDir.get(d) ?? []);

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
    const route: FsRoute = {
      pattern: r.pattern,
      file: r.file,
      handler: handler as FsRoute["handler"],
      component,
      title: titleOf(mod, r.file),
      middlewares: middlewaresFor(r.dir),
      setup: setupFor(r.dir, mod.config ?? {}),
      errorPages: errorPagesFor(r.dir),
      allow: "",
    };
    route.allow = allowHeader(route);
    entries.push([r.pattern, route]);
  }

  // Every folder that holds a file (and every folder above it), by URL prefix. Where folders share a
  // prefix (`(group)` folders vanish from URLs), the one with the fewest groups wins, then by name.
  const dirs = new Set<string>([""]);
  for (const r of manifest.routes) for (const d of ancestors(r.dir)) dirs.add(d);
  const folderEntries: [string, FsFolder][] = [...dirs]
    .sort((a, b) => groupCount(a) - groupCount(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map((dir) => [folderPattern(dir), {
      dir,
      middlewares: middlewaresFor(dir),
      setup: setupFor(dir, {}),
      errorPages: errorPagesFor(dir),
    }]);

  return {
    table: new PatternTable(entries),
    folders: new PrefixTable(folderEntries),
    rootSetup: { app, layouts: layoutByDir.has("") ? [layoutByDir.get("")!.component] : [] },
    rootErrorPages: errorPagesFor(""),
  };
}
