/**
 * How a contract document is served: as its own printable HTML page (not inside the site layout), with a
 * Content-Security-Policy of its own that allows its inline print styles and nothing else (no script, no
 * outside resource, no framing).
 * @module
 */

/** The CSP of a served contract. */
export const CONTRACT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A response for a contract document; `sha256` (of the stored document) is shown at its end. */
export function contractResponse(
  html: string,
  options: { sha256?: string; private?: boolean } = {},
): Response {
  const body = options.sha256
    ? html.replace(
      "</body>",
      `<hr><p>协议存证 SHA-256（签署时生成的协议正文）：<code>${options.sha256}</code></p></body>`,
    )
    : html;
  return new Response(body, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": CONTRACT_CSP,
      "cache-control": options.private ? "private, no-store" : "public, max-age=300",
      ...(options.sha256 ? { "x-contract-sha256": options.sha256 } : {}),
    },
  });
}
