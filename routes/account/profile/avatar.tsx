/**
 * `POST /account/profile/avatar` — upload (or remove) the avatar. Its body limit is raised to
 * `AVATAR_UPLOAD_BODY_MAX_BYTES` in main.ts (everything else keeps 64 KiB); the file is checked by its
 * magic bytes, not its name or declared type. Success → 303 to the profile page; a refused file → the
 * profile page with the message next to the field (422). A body above the cap → 413.
 * @module
 */
import { readForm } from "../../../framework/mod.ts";
import { AVATAR_MESSAGES, removeAvatar, setAvatar } from "../../../domain/accounts/profile.ts";
import { define } from "../../../utils.ts";
import { renderProfile } from "./index.tsx";

// errors re-render the profile page itself
export { default } from "./index.tsx";

export const handler = define.handlers({
  // the form lives on the profile page; a GET here (a bookmark, a reload after an error) goes there
  GET(ctx) {
    return ctx.redirect("/account/profile", 303);
  },
  async POST(ctx) {
    ctx.state.title = "个人资料";
    const userId = ctx.state.user!.id;
    const form = await readForm(ctx.req);
    if (form.get("intent") === "remove") {
      await removeAvatar(ctx.state.sql, userId);
      return ctx.redirect("/account/profile?done=avatar_removed", 303);
    }
    const file = form.get("avatar");
    const bytes = file instanceof File ? new Uint8Array(await file.arrayBuffer()) : new Uint8Array();
    const result = await setAvatar(ctx.state.sql, { userId, bytes });
    if (result.ok) return ctx.redirect("/account/profile?done=avatar", 303);
    return await renderProfile(ctx.state, { errors: { avatar: [AVATAR_MESSAGES[result.code]] } }, 422);
  },
});
