/**
 * `createDefine()` typing helpers and `page()`.
 * @module
 */
import type { ComponentType } from "preact";
import type {
  ComponentResult,
  DataOf,
  HandlerByMethod,
  HandlerFn,
  Middleware,
  PageInit,
  PageProps,
  PageResponse,
} from "./types.ts";

/**
 * Tells the router to render the route's page component with `props.data = data` (Fresh's `page()`:
 * it returns the plain object `{ data, headers, status }`, which a handler may also write by hand).
 *
 * ```ts
 * return page({ loan }, { status: 200, headers: { "Cache-Control": "no-store" } });
 * ```
 */
export function page<D>(data: D, init?: PageInit): PageResponse<D>;
/** Renders the page component without data. */
export function page(): PageResponse<undefined>;
export function page<D>(data?: D, init?: PageInit): PageResponse<D> {
  return { data: data as D, headers: init?.headers, status: init?.status };
}

/** True for what a handler returns to render its page: `page(…)` or a plain `{ data, … }` object. */
export function isPageResponse(value: unknown): value is PageResponse<unknown> {
  return typeof value === "object" && value !== null && !(value instanceof Response) && !Array.isArray(value);
}

/** The helpers returned by {@linkcode createDefine}. They return their argument unchanged. */
export interface Define<State> {
  /**
   * Types a page component (sync, or `async` — then awaited, and it may answer with a `Response`).
   * Pass `typeof handler` to type `props.data` from the handler's `page(data)`.
   */
  page<H = unknown>(
    fn: (props: PageProps<DataOf<H>, State>) => ComponentResult,
  ): (props: PageProps<DataOf<H>, State>) => ComponentResult;
  /** Types a route handler function. */
  handlers<D>(handler: HandlerFn<D, State>): HandlerFn<D, State>;
  /** Types route handlers (an object with GET/POST/…). */
  handlers<D = unknown, H extends HandlerByMethod<D, State> = HandlerByMethod<D, State>>(
    handlers: H,
  ): H;
  /** Types one middleware or an array of them. */
  middleware<M extends Middleware<State> | Middleware<State>[]>(middleware: M): M;
  /** Types a layout (or `_app`) component; `props.Component` is the wrapped content. */
  layout(
    fn: (props: PageProps<unknown, State> & { Component: ComponentType }) => ComponentResult,
  ): (props: PageProps<unknown, State> & { Component: ComponentType }) => ComponentResult;
}

/**
 * Creates typing helpers bound to the app's `State` type:
 *
 * ```ts
 * export const define = createDefine<State>();
 * export const handler = define.handlers({ GET: (ctx) => page({ n: 1 }) });
 * export default define.page<typeof handler>(({ data }) => <p>{data.n}</p>);
 * ```
 */
export function createDefine<State>(): Define<State> {
  return {
    page: (fn) => fn,
    // deno-lint-ignore no-explicit-any
    handlers: ((h: any) => h) as Define<State>["handlers"],
    middleware: (m) => m,
    layout: (fn) => fn,
  };
}
