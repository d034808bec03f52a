/**
 * `/account/profile` — 个人资料: the nickname (POST here) and the avatar (the upload form posts to
 * `/account/profile/avatar`, which answers back here). Bad input re-renders with the message next to the
 * field (422).
 * @module
 */
import { page, readForm } from "../../../framework/mod.ts";
import { CsrfField, Field } from "../../../components/Field.tsx";
import {
  AVATAR_MAX_BYTES,
  AVATAR_UPLOAD_PATH,
  avatarVersion,
  getNickname,
  NICKNAME_MAX_CHARS,
  NICKNAME_MIN_CHARS,
  setNickname,
} from "../../../domain/accounts/profile.ts";
import { define, doneNotice, type State } from "../../../utils.ts";

/** What the profile page shows. */
export interface ProfilePageData {
  nickname: string;
  avatar: string | null;
  errors: Record<string, string[]>;
  notice?: string;
}

const NOTICES: Record<string, string> = {
  nickname: "昵称已保存。",
  avatar: "头像已更新。",
  avatar_removed: "头像已删除。",
};

/** Render the profile page (also used by the avatar upload route on errors). */
export async function renderProfile(
  state: State,
  partial: { nickname?: string; errors?: Record<string, string[]>; notice?: string },
  status = 200,
) {
  const userId = state.user!.id;
  const [nickname, version] = await Promise.all([
    getNickname(state.sql, userId),
    avatarVersion(state.sql, userId),
  ]);
  return page<ProfilePageData>({
    nickname: partial.nickname ?? nickname ?? "",
    avatar: version ? `/account/avatar?v=${version}` : null,
    errors: partial.errors ?? {},
    notice: partial.notice,
  }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "个人资料";
    return await renderProfile(ctx.state, { notice: doneNotice(ctx.url, NOTICES) ?? undefined });
  },
  async POST(ctx) {
    ctx.state.title = "个人资料";
    const form = await readForm(ctx.req);
    const nickname = String(form.get("nickname") ?? "").slice(0, 100);
    const result = await setNickname(ctx.state.sql, { userId: ctx.state.user!.id, nickname });
    if (result.ok) return ctx.redirect("/account/profile?done=nickname", 303);
    return await renderProfile(ctx.state, { nickname, errors: result.fields }, 422);
  },
});

/** The profile page. */
export default define.page<typeof handler>(({ data, state }) => (
  <>
    <p>
      <a href="/account">‹ 我的账户</a>
    </p>
    <h1>个人资料</h1>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    <section class="card" aria-labelledby="avatar-title">
      <h2 id="avatar-title">头像</h2>
      {data.avatar
        ? <img src={data.avatar} alt="我的头像" width={96} height={96} class="avatar" data-field="avatar" />
        : <p class="muted">尚未设置头像</p>}
      <form method="post" action={AVATAR_UPLOAD_PATH} enctype="multipart/form-data" novalidate>
        <CsrfField token={state.csrfToken} />
        <div class="form-field">
          <label for="f-avatar">选择图片</label>
          <input
            id="f-avatar"
            name="avatar"
            type="file"
            accept="image/png,image/jpeg,image/webp"
            aria-invalid={data.errors.avatar ? "true" : undefined}
            aria-describedby={data.errors.avatar ? "f-avatar-hint f-avatar-error" : "f-avatar-hint"}
          />
          <p class="hint" id="f-avatar-hint">
            支持 PNG、JPEG、WebP 格式，不超过 {AVATAR_MAX_BYTES / 1024} KB
          </p>
          {data.errors.avatar && (
            <p class="field-error" id="f-avatar-error" role="alert">{data.errors.avatar[0]}</p>
          )}
        </div>
        <div class="btn-row">
          <button type="submit" name="intent" value="upload" class="btn">上传头像</button>
          {data.avatar && (
            <button type="submit" name="intent" value="remove" class="btn btn-secondary">删除头像</button>
          )}
        </div>
      </form>
    </section>
    <form method="post" class="card" aria-labelledby="nickname-title" novalidate>
      <h2 id="nickname-title">昵称</h2>
      <CsrfField token={state.csrfToken} />
      <Field
        name="nickname"
        label="昵称"
        value={data.nickname}
        errors={data.errors.nickname}
        maxLength={NICKNAME_MAX_CHARS}
        hint={`${NICKNAME_MIN_CHARS}–${NICKNAME_MAX_CHARS} 个字符，可用汉字、字母、数字、下划线和连字符`}
        autocomplete="nickname"
      />
      <button type="submit" class="btn btn-block">保存昵称</button>
    </form>
  </>
));
