/**
 * Public types of the web layer (names follow Fresh 2).
 * @module
 */
import type { ComponentType, VNode } from "preact";
import type { Method } from "./methods.ts";

/** Resolved configuration of an {@linkcode App}, visible to middleware as `ctx.config`. */
export interface ResolvedAppConfig {
  /** Absolute project directory (holds `routes/`, `islands/`, `static/`). */
  root: string;
  /** Absolute build output directory (holds `manifest.json`, `static/`). */
  buildDir: string;
  /** Development mode: adds the live-reload script and endpoint. */
  dev: boolean;
  /** Fresh's name for the mode: `"development"` when `dev`, else `"production"`. */
  mode: "development" | "production";
}

/** Options of `ctx.render()` that leave out wrappers (Fresh's `LayoutConfig`). */
export interface LayoutConfig {
  /** Do not wrap the content in `_app`. */
  skipAppWrapper?: boolean;
  /** Do not wrap the content in the layouts of the folders above. */
  skipInheritedLayouts?: boolean;
}

/** The request context handed to middleware, handlers and (through props) pages. */
export interface Context<State> {
  /** The incoming request (Fresh's name). */
  readonly request: Request;
  /** The incoming request (alias of `request`). */
  readonly req: Request;
  /** The parsed request URL; repeated slashes in the path are collapsed to one. */
  readonly url: URL;
  /** Route parameters, e.g. `{ id: "42" }` for `routes/loans/[id].tsx` (decoded with `decodeURI`). */
  params: Record<string, string>;
  /** Per-request state, a fresh `{}` for every request; middleware fills it. */
  state: State;
  /** Connection info from `Deno.serve` (absent in tests calling the handler directly). */
  readonly info?: Deno.ServeHandlerInfo;
  /** The matched route pattern (e.g. `/loans/:id`), or `null` when nothing matched. */
  route: string | null;
  /**
   * The error travelling up the middleware chain (set as it passes each middleware, and for error
   * pages); `null` while nothing failed.
   */
  error: unknown;
  /** App configuration (project root, build dir, dev flag). */
  readonly config: ResolvedAppConfig;
  /**
   * Calls the next middleware (or the route handler) and returns its response. An error thrown below
   * is thrown here too: catch it to answer instead of the error page.
   */
  next(): Promise<Response>;
  /**
   * Renders `vnode` inside `_app` and the route's layouts (unless `config` skips them) and returns a
   * `text/html` response with the `init`'s status, statusText and headers. `null` renders the wrappers
   * around nothing. Called without arguments it renders the route's page component (this layer's
   * extension: Fresh throws there).
   */
  render(vnode?: VNode | null, init?: ResponseInit, config?: LayoutConfig): Promise<Response>;
  /**
   * Redirects (default status 302). Repeated slashes in a path collapse (`//evil.example` becomes
   * `/evil.example`, as in Fresh); a target on another origin is refused: the redirect then goes to `/`.
   */
  redirect(pathOrUrl: string, status?: number): Response;
  /** A JSON response (`application/json; charset=utf-8`). */
  json(data: unknown, init?: ResponseInit): Response;
}

/** A middleware: receives the context, returns a response (usually `await ctx.next()`). */
export type Middleware<State> = (ctx: Context<State>) => Response | Promise<Response>;

/**
 * A middleware or a lazy one: a function that, called once, resolves to the middleware (Fresh's
 * `MaybeLazyMiddleware`, for expensive set-up done on first use).
 */
export type MaybeLazyMiddleware<State> = (
  ctx: Context<State>,
) => Response | Promise<Response | Middleware<State>>;

/** Initialisation of a {@linkcode PageResponse}. */
export interface PageInit {
  /** HTTP status (default 200). */
  status?: number;
  /** Extra response headers. */
  headers?: HeadersInit;
}

/**
 * Returned by a handler to render the route's page component with `props.data` (Fresh's shape: what
 * `page()` returns, or a plain `{ data, headers, status }` object).
 */
export interface PageResponse<D> {
  /** The page's `props.data`. */
  data: D;
  /** Extra response headers. */
  headers?: HeadersInit;
  /** HTTP status (default 200; an error page's default is the error's status). */
  status?: number;
}

/** A handler function: returns a `Response`, or `page(data)` to render the page component. */
export type HandlerFn<D, State> = (
  ctx: Context<State>,
) => Response | PageResponse<D> | Promise<Response | PageResponse<D>>;

/**
 * Handlers by HTTP method. A missing method answers 405 with `Allow` (OPTIONS answers 204 with
 * `Allow`); HEAD falls back to GET without the body.
 */
export type HandlerByMethod<D, State> = { [M in Method]?: HandlerFn<D, State> };

/** Fresh name for {@linkcode HandlerByMethod}. */
export type Handlers<D, State> = HandlerByMethod<D, State>;

/** What a route module may export as `handler` (or `handlers`). */
export type RouteHandler<D, State> = HandlerFn<D, State> | HandlerByMethod<D, State>;

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => any;
type DataOfReturn<R> = R extends Response ? never : R extends PageResponse<infer D> ? D : never;

/** The `props.data` type a handler produces (union over its methods). */
export type DataOf<H> = [H] extends [never] ? unknown
  : H extends AnyFn ? DataOfReturn<Awaited<ReturnType<H>>>
  : H extends object ? {
      [K in keyof H]-?: NonNullable<H[K]> extends AnyFn ? DataOfReturn<Awaited<ReturnType<NonNullable<H[K]>>>>
        : never;
    }[keyof H]
  : unknown;

/** Props of pages, layouts, `_app` and error pages. */
export interface PageProps<D = unknown, State = unknown> {
  /** Data from the handler's `page(data)` (undefined when the page rendered without a handler). */
  data: D;
  url: URL;
  params: Record<string, string>;
  state: State;
  req: Request;
  /** Connection info (absent when the handler was called without it). */
  info?: Deno.ServeHandlerInfo;
  /** The app's configuration. */
  config: ResolvedAppConfig;
  /** Matched route pattern, or null. */
  route: string | null;
  /** The error on error pages (`_404`, `_500`/`_error`); `null` elsewhere. */
  error: unknown;
  /** The wrapped content (for `_app` and layouts); an empty component for pages. */
  Component: ComponentType;
}

/**
 * What a page, layout or `_app` component returns. An `async` component is awaited (Fresh 2 async
 * server components) and may answer with a `Response` instead of markup.
 */
export type ComponentResult = VNode | null | Promise<VNode | Response | null>;

/** A page component. */
export type PageComponent<D, State> = (props: PageProps<D, State>) => ComponentResult;

/**
 * Optional `title` export of a page module (a route page, `_404` or `_500`), Fresh-style convention for
 * the document title: just before the layer renders that module's component it sets `ctx.state.title`
 * to the string, or to what the function returns for the page's props (e.g. from `props.error` or
 * `props.data`), so `_app` can read `state.title`. Declare `title?: string` in your `State`.
 *
 * Before any error page renders, the layer first removes `state.title`, so the title set by a failed
 * page or middleware does not leak onto the error page: without a `title` export the error page shows
 * the app's default title.
 *
 * ```ts
 * export const title = "页面不存在";
 * export const title = ({ error }: PageProps) => error instanceof HttpError ? "请求有误" : "系统繁忙";
 * ```
 */
// deno-lint-ignore no-explicit-any
export type PageTitle<D = any, State = any> = string | ((props: PageProps<D, State>) => string | undefined);

/** A layout or `_app` component. */
export type LayoutComponent<State> = (props: PageProps<unknown, State>) => ComponentResult;

/** @internal A component of any props (route modules are loaded untyped). */
// deno-lint-ignore no-explicit-any
export type AnyComponent = (props: any) => ComponentResult;

/** Optional `config` export of a route or layout module. */
export interface RouteConfig extends LayoutConfig {}
