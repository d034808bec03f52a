/**
 * Content types and `Accept-Encoding` negotiation shared by `staticFiles()` and `compression()`.
 * @module
 */

/** Encodings the layer produces. */
export type Encoding = "br" | "gzip";

/**
 * Picks `br` or `gzip` from an `Accept-Encoding` header (q-values respected; on a tie the one listed
 * first in `available` wins), restricted to `available`. Returns null for identity.
 */
export function negotiateEncoding(header: string | null, available: readonly Encoding[]): Encoding | null {
  if (!header || available.length === 0) return null;
  let best: Encoding | null = null;
  let bestQ = 0;
  let star = -1;
  const q = new Map<string, number>();
  for (const part of header.split(",")) {
    const [rawName, ...params] = part.trim().split(";");
    const name = rawName.trim().toLowerCase();
    if (!name) continue;
    let value = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) value = Math.min(1, Number(m[1]) || 0);
    }
    if (name === "*") star = value;
    else q.set(name, value);
  }
  for (const enc of available) {
    const value = q.get(enc) ?? (enc === "gzip" ? q.get("x-gzip") : undefined) ?? (star >= 0 ? star : 0);
    if (value > bestQ) {
      best = enc;
      bestQ = value;
    }
  }
  return best;
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json; charset=utf-8",
  map: "application/json; charset=utf-8",
  webmanifest: "application/manifest+json; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  xml: "application/xml; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/x-icon",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  pdf: "application/pdf",
  wasm: "application/wasm",
};

/** Content type for a file name (by extension), default `application/octet-stream`. */
export function contentTypeFor(path: string): string {
  const dot = path.lastIndexOf(".");
  return (dot >= 0 ? TYPES[path.slice(dot + 1).toLowerCase()] : undefined) ?? "application/octet-stream";
}

/** True for types worth compressing (text, JSON, SVG, JS, CSS…). */
export function isCompressibleType(contentType: string): boolean {
  const t = contentType.split(";")[0].trim().toLowerCase();
  return t.startsWith("text/") || t === "application/json" || t === "application/manifest+json" ||
    t === "application/xml" || t === "image/svg+xml" || t === "application/javascript" ||
    t === "image/x-icon" || t === "application/wasm";
}

/** Appends `Accept-Encoding` to the `Vary` header unless present. */
export function addVary(headers: Headers, value = "Accept-Encoding"): void {
  const current = headers.get("vary");
  if (!current) headers.set("vary", value);
  else if (
    !current.toLowerCase().split(",").some((v) => v.trim() === value.toLowerCase() || v.trim() === "*")
  ) {
    headers.set("vary", `${current}, ${value}`);
  }
}
