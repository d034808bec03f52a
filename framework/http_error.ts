/**
 * `HttpError`: throw it from a handler or middleware to answer with an error status.
 * @module
 */

/**
 * An error carrying an HTTP status. `throw new HttpError(404)` renders `_404.tsx` with status 404; other
 * statuses render `_500.tsx` with that status (the page receives the error in `props.error`).
 */
export class HttpError extends Error {
  /** The HTTP status code. */
  readonly status: number;
  /**
   * @param status HTTP status code (400–599)
   * @param message optional message (defaults to the standard status text)
   */
  constructor(status: number, message?: string, options?: ErrorOptions) {
    super(message ?? defaultStatusText(status), options);
    this.name = "HttpError";
    this.status = status;
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** Standard English reason phrase for a status (or `HTTP <status>`). */
export function defaultStatusText(status: number): string {
  return STATUS_TEXT[status] ?? `HTTP ${status}`;
}

/**
 * The error a route answers for a method it does not handle (status 405); `allow` becomes the
 * response's `Allow` header, also when an error page renders it.
 */
export class MethodNotAllowedError extends HttpError {
  /** Value of the `Allow` header, e.g. `GET, HEAD, POST`. */
  readonly allow: string;
  /** @param allow the methods the route answers, as an `Allow` header value */
  constructor(allow: string) {
    super(405);
    this.name = "MethodNotAllowedError";
    this.allow = allow;
  }
}

/**
 * The error for a method no route can answer (TRACE, TRACK, CONNECT, …) on a path no route matches:
 * status 501. It is the client's doing, so it is not reported as a server error.
 */
export class MethodNotImplementedError extends HttpError {
  /** @param method the request's method */
  constructor(readonly method: string) {
    super(501);
    this.name = "MethodNotImplementedError";
  }
}
