/**
 * Public types of the web layer (names follow Fresh 2).
 * @module
 */
import type { ComponentType, VNode } from "preact";

/** Resolved configuration of an {@linkcode App}, visible to middleware as `ctx.config`. */
export interface ResolvedAppConfig {
  /** Absolute project directory (holds `routes/`, `islands/`, `static/`). */
  root: string;
  /** Absolute build output directory (holds `manifest.json`, `static/`). */
  buildDir: string;
  /** Development mode: adds the live-reload script and endpoint. */
  dev: boolean;
}

/** The request context handed to middleware, handlers and (through props) pages. */
export interface Context<State> {
  /** The incoming request. */
  readonly req: Request;
  /** The parsed request URL. */
  readonly url: URL;
  /** Route parameters, e.g. `{ id: "42" }` for `routes/loans/[id].tsx`. */
  params: Record<string, string>;
  /** Per-request state, a fresh `{}` for every request; middleware fills it. */
  state: State;
  /** Connection info from `Deno.serve` (absent in tests calling the handler directly). */
  readonly info?: Deno.ServeHandlerInfo;
  /** The matched route pattern (e.g. `/loans/:id`), or `null` when nothing matched. */
  route: string | null;
  /** The error being rendered by an error page (`_404`/`_500`). */
  error?: unknown;
  /** App configuration (project root, build dir, dev flag). */
  readonly config: ResolvedAppConfig;
  /** Calls the next middleware (or the route handler) and returns its response. */
  next(): Promise<Response>;
  /**
   * Renders `vnode` (or, without it, the route's page component) inside `_app` and the route's layouts.
   * Returns a `text/html` response.
   */
  render(vnode?: VNode | null, init?: ResponseInit): Promise<Response>;
  /**
   * Redirects to a same-origin path (default status 302). Absolute URLs to another origin and
   * protocol-relative paths (`//evil.example`) are refused: the redirect then goes to `/`.
   */
  redirect(path: string, status?: number): Response;
  /** A JSON response (`application/json; charset=utf-8`). */
  json(data: unknown, init?: ResponseInit): Response;
}

/** A middleware: receives the context, returns a response (usually `await ctx.next()`). */
export type Middleware<State> = (ctx: Context<State>) => Response | Promise<Response>;

/** Initialisation of a {@linkcode PageResponse}. */
export interface PageInit {
  /** HTTP status (default 200). */
  status?: number;
  /** Extra response headers. */
  headers?: HeadersInit;
}

/** Returned by a handler to render the route's page component with `props.data`. */
export class PageResponse<D> {
  /** @param data the page's `props.data` @param init status and headers */
  constructor(readonly data: D, readonly init: PageInit = {}) {}
}

/** A handler function: returns a `Response`, or `page(data)` to render the page component. */
export type HandlerFn<D, State> = (
  ctx: Context<State>,
) => Response | PageResponse<D> | Promise<Response | PageResponse<D>>;

/** Handlers by HTTP method. A missing method answers 405 with `Allow`; HEAD falls back to GET. */
export interface HandlerByMethod<D, State> {
  GET?: HandlerFn<D, State>;
  HEAD?: HandlerFn<D, State>;
  POST?: HandlerFn<D, State>;
  PUT?: HandlerFn<D, State>;
  PATCH?: HandlerFn<D, State>;
  DELETE?: HandlerFn<D, State>;
  OPTIONS?: HandlerFn<D, State>;
}

/** Fresh name for {@linkcode HandlerByMethod}. */
export type Handlers<D, State> = HandlerByMethod<D, State>;

/** What a route module may export as `handler`. */
export type RouteHandler<D, State> = HandlerFn<D, State> | HandlerByMethod<D, State>;

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => any;
type DataOfReturn<R> = R extends PageResponse<infer D> ? D : never;

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
  /** Matched route pattern, or null. */
  route: string | null;
  /** The error on error pages (`_404`, `_500`). */
  error?: unknown;
  /** The wrapped content (for `_app` and layouts); an empty component for pages. */
  Component: ComponentType;
}

/** A page component. */
export type PageComponent<D, State> = (props: PageProps<D, State>) => VNode | null;

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
export type LayoutComponent<State> = (props: PageProps<unknown, State>) => VNode | null;

/** @internal A component of any props (route modules are loaded untyped). */
// deno-lint-ignore no-explicit-any
export type AnyComponent = ComponentType<any>;

/** Optional `config` export of a route or layout module. */
export interface RouteConfig {
  /** Do not wrap this route (or layout) in `_app.tsx`. */
  skipAppWrapper?: boolean;
  /** Ignore layouts of the folders above. */
  skipInheritedLayouts?: boolean;
}
