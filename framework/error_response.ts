/**
 * Errors travel up the middleware chain as exceptions (as in Fresh), so a middleware that changes the
 * responses passing through it never sees the error page rendered further out for an error that
 * passed it. `onErrorResponse()` lets such a middleware (security headers, request id, CSRF cookie,
 * compression) ask for that page too: the app applies the registered functions to the response it
 * renders for the error, innermost first — as if the page had come back through them — unless a
 * middleware on the way catches the error and answers itself.
 * @module
 */
import type { Context } from "./types.ts";

/** Changes (or replaces) a response. */
export type ResponseDecorator = (res: Response) => Response | Promise<Response>;

const registry = new WeakMap<object, ResponseDecorator[]>();

function listOf(ctx: object): ResponseDecorator[] {
  let list = registry.get(ctx);
  if (!list) {
    list = [];
    registry.set(ctx, list);
  }
  return list;
}

/**
 * Call it from a middleware's `catch` before rethrowing: `decorate` will be applied to the error page
 * (or the plain error response) the app renders for this error.
 *
 * ```ts
 * try {
 *   return addHeaders(await ctx.next());
 * } catch (err) {
 *   onErrorResponse(ctx, addHeaders);
 *   throw err;
 * }
 * ```
 */
export function onErrorResponse(ctx: Context<unknown>, decorate: ResponseDecorator): void {
  listOf(ctx).push(decorate);
}

/** @internal How many decorators the request has registered so far. */
export function decoratorMark(ctx: object): number {
  return registry.get(ctx)?.length ?? 0;
}

/** @internal Forgets the decorators registered after `mark` (the error they were for was handled). */
export function dropDecorators(ctx: object, mark: number): void {
  const list = registry.get(ctx);
  if (list && list.length > mark) list.length = mark;
}

/** @internal Applies (in order) and forgets the decorators registered after `mark`. */
export async function applyDecorators(ctx: object, mark: number, res: Response): Promise<Response> {
  const list = registry.get(ctx);
  if (!list || list.length <= mark) return res;
  const pending = list.splice(mark);
  for (const decorate of pending) res = await decorate(res);
  return res;
}
