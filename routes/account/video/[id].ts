/**
 * `/account/video/:id` — the owner's own verification video, streamed from the data directory after the
 * ownership check (anyone else: 404). Never cached (the account middleware sets `no-store`).
 * @module
 */
import { HttpError } from "../../../framework/mod.ts";
import { videoFileForOwner, videoResponse } from "../../../domain/identity/video.ts";
import { define } from "../../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    const file = await videoFileForOwner(ctx.state.sql, ctx.state.config.dataDir, {
      userId: ctx.state.user!.id,
      videoId: ctx.params.id,
    });
    const res = file && await videoResponse(file, ctx.req.headers.get("range"));
    if (!res) throw new HttpError(404);
    return res;
  },
});
