/**
 * `compression()`: on-the-fly brotli/gzip for HTML and JSON responses above a size threshold.
 * @module
 */
import { brotliCompress, constants, gzip } from "node:zlib";
import { addVary, type Encoding, negotiateEncoding } from "./encoding.ts";
import type { Context, Middleware } from "./types.ts";

/** Options of {@linkcode compression}. */
export interface CompressionOptions {
  /** Minimum body size in bytes (default 1024). */
  thresholdBytes?: number;
  /** Brotli quality 0–11 (default 5). */
  brotliQuality?: number;
  /** Gzip level 1–9 (default 6). */
  gzipLevel?: number;
}

const AVAILABLE: readonly Encoding[] = ["br", "gzip"];

function isTarget(contentType: string | null): boolean {
  if (!contentType) return false;
  const t = contentType.split(";")[0].trim().toLowerCase();
  return t === "text/html" || t === "application/json";
}

function compress(
  data: Uint8Array,
  enc: Encoding,
  o: Required<CompressionOptions>,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, out: Uint8Array) => err ? reject(err) : resolve(new Uint8Array(out));
    if (enc === "br") {
      brotliCompress(data, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: o.brotliQuality,
          [constants.BROTLI_PARAM_SIZE_HINT]: data.byteLength,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        },
      }, done);
    } else {
      gzip(data, { level: o.gzipLevel }, done);
    }
  });
}

/**
 * Compresses `text/html` and `application/json` bodies larger than ~1 KB with brotli (quality 5) or
 * gzip, as the request's `Accept-Encoding` allows (q-values respected, brotli preferred on a tie).
 * Adds `Vary: Accept-Encoding`; leaves responses that already have a `Content-Encoding` alone.
 */
export function compression<State = unknown>(options: CompressionOptions = {}): Middleware<State> {
  const o: Required<CompressionOptions> = {
    thresholdBytes: options.thresholdBytes ?? 1024,
    brotliQuality: options.brotliQuality ?? 5,
    gzipLevel: options.gzipLevel ?? 6,
  };
  return async (ctx: Context<State>) => {
    const res = await ctx.next();
    if (!isTarget(res.headers.get("content-type")) || res.headers.has("content-encoding")) return res;
    if (res.body === null || res.status === 204 || res.status === 304) return res;
    const headers = new Headers(res.headers);
    addVary(headers);
    const declared = res.headers.get("content-length");
    if (declared !== null && Number(declared) < o.thresholdBytes) {
      return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
    }
    const enc = negotiateEncoding(ctx.req.headers.get("accept-encoding"), AVAILABLE);
    const body = new Uint8Array(await res.arrayBuffer());
    if (!enc || body.byteLength < o.thresholdBytes) {
      return new Response(body, { status: res.status, statusText: res.statusText, headers });
    }
    const out = await compress(body, enc, o);
    headers.set("content-encoding", enc);
    headers.set("content-length", String(out.byteLength));
    const etag = headers.get("etag");
    if (etag && !etag.startsWith("W/")) headers.set("etag", `W/${etag}`);
    return new Response(out, { status: res.status, statusText: res.statusText, headers });
  };
}
