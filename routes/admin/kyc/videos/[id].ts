/**
 * `/admin/kyc/videos/:id` — a user's verification video for a reviewer (`kyc.review`, declared in
 * ADMIN_ROUTE_PERMISSIONS and checked again by the domain), streamed from the data directory (one byte range when asked: players seek with `Range`). Each viewing is
 * audit-logged (`kyc.video.view`).
 * @module
 */
import { HttpError } from "../../../../framework/mod.ts";
import { videoFileForStaff, videoResponse } from "../../../../domain/identity/video.ts";
import { define } from "../../../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    const file = await videoFileForStaff(ctx.state.sql, ctx.state.config.dataDir, {
      videoId: ctx.params.id,
      staff: ctx.state.staff!,
      ip: ctx.state.clientIp,
    });
    const res = file && await videoResponse(file, ctx.req.headers.get("range"));
    if (!res) throw new HttpError(404);
    return res;
  },
});
