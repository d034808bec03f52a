/**
 * `GET /account/avatar` — the signed-in user's own avatar: the stored bytes with the type sniffed at
 * upload, `nosniff`, inline, and `private` caching (the browser may keep it; shared caches may not). The
 * page links it with `?v=<hash>`, so a new avatar is a new URL. No avatar → 404.
 * @module
 */
import { HttpError } from "../../framework/mod.ts";
import { getAvatar } from "../../domain/accounts/profile.ts";
import { define } from "../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    const avatar = await getAvatar(ctx.state.sql, ctx.state.user!.id);
    if (!avatar) throw new HttpError(404);
    const etag = `"${avatar.sha256.slice(0, 32)}"`;
    const headers = {
      "content-type": avatar.contentType,
      "x-content-type-options": "nosniff",
      "content-disposition": "inline",
      "cache-control": "private, max-age=86400",
      "content-security-policy": "default-src 'none'; sandbox",
      etag,
      vary: "Cookie",
    };
    if (ctx.req.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
    return new Response(avatar.bytes as Uint8Array<ArrayBuffer>, {
      headers: { ...headers, "content-length": String(avatar.bytes.length) },
    });
  },
});
