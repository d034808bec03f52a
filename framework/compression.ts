/**
 * `compression()`: on-the-fly brotli/gzip for HTML and JSON responses above a size threshold, at fast
 * settings (precompressed static files keep maximum quality: `framework/build.ts` writes them).
 * @module
 */
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from "node:zlib";
import { addVary, type Encoding, negotiateEncoding } from "./encoding.ts";
import { onErrorResponse } from "./error_response.ts";
import { mutable, rememberedText } from "./response.ts";
import type { Context, Middleware } from "./types.ts";

/** Options of {@linkcode compression}. */
export interface CompressionOptions {
  /** Minimum body size in bytes (default 1024). */
  thresholdBytes?: number;
  /** Brotli quality 0–11 for dynamic responses (default {@link DYNAMIC_BROTLI_QUALITY}). */
  brotliQuality?: number;
  /** Gzip level 1–9 for dynamic responses (default {@link DYNAMIC_GZIP_LEVEL}). */
  gzipLevel?: number;
  /** Encodings offered, preferred first on equal q-values (default {@link DYNAMIC_ENCODINGS}). */
  encodings?: readonly Encoding[];
}

/**
 * Gzip level for responses compressed per request. Measured by `deno task bench` on `/login` (2.6 KB of
 * HTML, ~190 µs of app CPU per request on this 2-core machine): level 1 takes ~15 µs per page and costs
 * ~8% of the identity req/s (+12% CPU) for 1.7 KB on the wire; level 6 takes ~35 µs for 1.4 KB; brotli at
 * quality 4–5 takes 80–100 µs (~40% of the req/s) for 1.1–1.3 KB, and brotli as small as gzip 6
 * (quality 3) is still slower than gzip. The few hundred bytes level 1 gives up cost ~5 ms at 400 kbit/s.
 * (Most of the cost used to be around zlib, not in it: reading the body back as a stream and handing
 * node:zlib a string. The layer now keeps the text of the pages it renders and encodes it into one reused
 * buffer.)
 */
export const DYNAMIC_GZIP_LEVEL = 1;
/** Brotli quality for a client that accepts brotli but not gzip (quality 5: as fast as 4, smaller). */
export const DYNAMIC_BROTLI_QUALITY = 5;
/**
 * Encodings for dynamic responses, preferred first on equal q-values: gzip, then brotli. (Static files
 * prefer their brotli quality 11 copies, compressed once at build time.)
 */
export const DYNAMIC_ENCODINGS: readonly Encoding[] = ["gzip", "br"];
/**
 * Bodies up to this size are compressed with the synchronous zlib calls: measured in the bench and in a
 * server, they are the fastest way in Deno (the callback API costs ~15–50% more per page, CompressionStream
 * ~3 times as much); larger bodies use the callback API so that the event loop keeps serving others.
 */
const SYNC_LIMIT_BYTES = 128 * 1024;

const encoder = new TextEncoder();
/** Scratch space for encoding bodies that the synchronous path compresses (one request at a time). */
const scratch = new Uint8Array(3 * SYNC_LIMIT_BYTES);

/**
 * `text` as UTF-8 bytes. Bodies the synchronous path compresses are encoded into {@link scratch} — valid
 * only until the next call, which is fine because that path compresses them at once — avoiding a fresh
 * buffer (and the slower string input of node:zlib) per request.
 */
function utf8(text: string): Uint8Array {
  if (text.length <= SYNC_LIMIT_BYTES) {
    const { written } = encoder.encodeInto(text, scratch);
    if (written <= SYNC_LIMIT_BYTES) return scratch.subarray(0, written);
  }
  return encoder.encode(text);
}

function utf8Length(text: string): number {
  return encoder.encode(text).byteLength;
}

function isTarget(contentType: string | null): boolean {
  if (!contentType) return false;
  const t = contentType.split(";")[0].trim().toLowerCase();
  return t === "text/html" || t === "application/json";
}

/** Compresses `data` (bytes, or text as UTF-8) with brotli (text mode) or gzip at the given settings. */
export function compressBody(
  data: Uint8Array | string,
  enc: Encoding,
  o: { brotliQuality: number; gzipLevel: number },
): Promise<Uint8Array<ArrayBuffer>> {
  const brOptions = {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: o.brotliQuality,
      [constants.BROTLI_PARAM_SIZE_HINT]: typeof data === "string" ? data.length : data.byteLength,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    },
  };
  if ((typeof data === "string" ? data.length : data.byteLength) <= SYNC_LIMIT_BYTES) {
    const out = enc === "br" ? brotliCompressSync(data, brOptions) : gzipSync(data, { level: o.gzipLevel });
    return Promise.resolve(new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength));
  }
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, out: Uint8Array) => err ? reject(err) : resolve(new Uint8Array(out));
    if (enc === "br") brotliCompress(data, brOptions, done);
    else gzip(data, { level: o.gzipLevel }, done);
  });
}

/**
 * A text body compressed once and served many times (a cached page): each encoding is made on first use
 * (gzip level 6, brotli quality 5 — paid once, not per request) and kept. {@link response} answers with the
 * bytes the request's `Accept-Encoding` allows, `Content-Encoding` and `Vary` set, so `compression()`
 * passes it through untouched.
 */
export class PrecompressedText {
  readonly text: string;
  readonly #identity: Uint8Array<ArrayBuffer>;
  readonly #encoded: Partial<Record<Encoding, Uint8Array<ArrayBuffer>>> = {};
  readonly #contentType: string;

  constructor(text: string, contentType = "text/html; charset=utf-8") {
    this.text = text;
    this.#identity = encoder.encode(text);
    this.#contentType = contentType;
  }

  /** The body as sent with `enc` (made on first use). */
  bytes(enc: Encoding | null): Uint8Array<ArrayBuffer> {
    if (!enc || this.#identity.byteLength < 1024) return this.#identity;
    let out = this.#encoded[enc];
    if (!out) {
      const raw = enc === "br"
        ? brotliCompressSync(this.#identity, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: 5,
            [constants.BROTLI_PARAM_SIZE_HINT]: this.#identity.byteLength,
            [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          },
        })
        : gzipSync(this.#identity, { level: 6 });
      out = new Uint8Array(raw.buffer as ArrayBuffer, raw.byteOffset, raw.byteLength);
      this.#encoded[enc] = out;
    }
    return out;
  }

  /** The encoding a request with `acceptEncoding` gets (`null`: identity; small bodies always). */
  encodingFor(acceptEncoding: string | null): Encoding | null {
    return this.#identity.byteLength < 1024 ? null : negotiateEncoding(acceptEncoding, DYNAMIC_ENCODINGS);
  }

  /** `headers` plus this body's `Content-Type`, `Content-Length`, `Vary` and `Content-Encoding` for `enc`. */
  headersFor(enc: Encoding | null, headers?: HeadersInit): Headers {
    const out = new Headers(headers);
    out.set("content-type", this.#contentType);
    out.set("content-length", String(this.bytes(enc).byteLength));
    addVary(out);
    if (enc) out.set("content-encoding", enc);
    return out;
  }

  /** A response with this body for a request with `acceptEncoding` (`headers` added). */
  response(acceptEncoding: string | null, init: { status?: number; headers?: HeadersInit } = {}): Response {
    const enc = this.encodingFor(acceptEncoding);
    return new Response(this.bytes(enc), {
      status: init.status ?? 200,
      headers: this.headersFor(enc, init.headers),
    });
  }
}

/**
 * Compresses `text/html` and `application/json` bodies larger than ~1 KB with gzip (level 1) or brotli
 * (quality 5), as the request's `Accept-Encoding` allows (q-values respected, gzip preferred on a tie:
 * see {@link DYNAMIC_GZIP_LEVEL}) — error pages included. Adds `Vary: Accept-Encoding`; leaves responses that already have a
 * `Content-Encoding` alone.
 */
export function compression<State = unknown>(options: CompressionOptions = {}): Middleware<State> {
  const o: Required<CompressionOptions> = {
    thresholdBytes: options.thresholdBytes ?? 1024,
    brotliQuality: options.brotliQuality ?? DYNAMIC_BROTLI_QUALITY,
    gzipLevel: options.gzipLevel ?? DYNAMIC_GZIP_LEVEL,
    encodings: options.encodings ?? DYNAMIC_ENCODINGS,
  };
  const compress = async (res: Response, acceptEncoding: string | null): Promise<Response> => {
    if (!isTarget(res.headers.get("content-type")) || res.headers.has("content-encoding")) return res;
    if (res.body === null || res.status === 204 || res.status === 304) return res;
    const out = mutable(res);
    addVary(out.headers);
    const enc = negotiateEncoding(acceptEncoding, o.encodings);
    // Nothing to do for identity, or for a body declared too small: the body passes through unread.
    if (!enc) return out;
    const declared = out.headers.get("content-length");
    if (declared !== null && Number(declared) < o.thresholdBytes) return out;
    // HTML and JSON are text. A page the layer rendered still has its string (no need to read the body
    // back); anything else is read as text. A string shorter than the threshold in UTF-16 units is shorter
    // in bytes too.
    const body = rememberedText(out) ?? await out.text();
    const { status, statusText, headers } = out;
    if (body.length < o.thresholdBytes && utf8Length(body) < o.thresholdBytes) {
      return new Response(body, { status, statusText, headers });
    }
    const compressed = await compressBody(utf8(body), enc, o);
    headers.set("content-encoding", enc);
    headers.set("content-length", String(compressed.byteLength));
    const etag = headers.get("etag");
    if (etag && !etag.startsWith("W/")) headers.set("etag", `W/${etag}`);
    return new Response(compressed, { status, statusText, headers });
  };
  return async (ctx: Context<State>) => {
    const acceptEncoding = ctx.req.headers.get("accept-encoding");
    let res: Response;
    try {
      res = await ctx.next();
    } catch (err) {
      onErrorResponse(ctx as Context<unknown>, (page) => compress(page, acceptEncoding));
      throw err;
    }
    return await compress(res, acceptEncoding);
  };
}
