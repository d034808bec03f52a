/**
 * The Fresh-compatible web layer. Import everything from here:
 *
 * ```ts
 * import { App, createDefine, csrf, HttpError, page, staticFiles } from "./framework/mod.ts";
 * ```
 * @module
 */
export {
  App,
  type AppOptions,
  type ListenOptions,
  type RouteMiddleware,
  safeRedirectLocation,
} from "./app.ts";
export { createDefine, type Define, page } from "./define.ts";
export {
  defaultStatusText,
  HttpError,
  MethodNotAllowedError,
  MethodNotImplementedError,
} from "./http_error.ts";
export { onErrorResponse, type ResponseDecorator } from "./error_response.ts";
export { type Method, METHODS } from "./methods.ts";
export { trailingSlashes } from "./trailing_slashes.ts";
export { asset, BUILD_URL_PREFIX, staticFiles, type StaticFilesOptions } from "./static_files.ts";
export { contentSecurityPolicy, securityHeaders, type SecurityHeadersOptions } from "./security_headers.ts";
export { csrf, CSRF_FIELD, CSRF_HEADER, type CsrfOptions } from "./csrf.ts";
export {
  bodyLimit,
  type BodyLimitOptions,
  DEFAULT_MAX_BODY_BYTES,
  PayloadTooLargeError,
} from "./body_limit.ts";
export { readForm } from "./request_body.ts";
export { requestLog, type RequestLogOptions } from "./request_log.ts";
export { compression, type CompressionOptions, PrecompressedText } from "./compression.ts";
export {
  type SharedPage,
  type SharedPages,
  sharedPages,
  type SharedPagesOptions,
  sharePage,
} from "./shared_pages.ts";
export { BOOT_SCRIPT, BOOT_SCRIPT_CSP_HASH } from "./islands.ts";
export { IslandPropError } from "./serialize.ts";
export { DEFAULT_CONFIG, type FreshConfig } from "./config.ts";
export type { Manifest } from "./manifest.ts";
export {
  type ComponentResult,
  type Context,
  type DataOf,
  type HandlerByMethod,
  type HandlerFn,
  type Handlers,
  type LayoutComponent,
  type LayoutConfig,
  type MaybeLazyMiddleware,
  type Middleware,
  type PageComponent,
  type PageInit,
  type PageProps,
  type PageResponse,
  type PageTitle,
  type ResolvedAppConfig,
  type RouteConfig,
  type RouteHandler,
} from "./types.ts";
