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
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** Standard English reason phrase for a status (or `HTTP <status>`). */
export function defaultStatusText(status: number): string {
  return STATUS_TEXT[status] ?? `HTTP ${status}`;
}
