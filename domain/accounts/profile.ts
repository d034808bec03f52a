/**
 * Profile (个人资料): the nickname (`users.display_name`) and the avatar. An avatar is accepted only when
 * its first bytes say PNG, JPEG or WebP — whatever the file is called or claims to be — and it is at most
 * {@link AVATAR_MAX_BYTES}; it is stored in `user_avatars` with the sniffed type and served only through
 * `/account/avatar` (see the route for the headers).
 * @module
 */
import { z } from "zod";
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import { fieldErrorsFrom } from "../shared/field_errors.ts";
import { toHex } from "./pii.ts";

/** Nickname length bounds (characters). */
export const NICKNAME_MIN_CHARS = 2;
/** See {@link NICKNAME_MIN_CHARS}. */
export const NICKNAME_MAX_CHARS = 16;
/** Words a nickname may not contain (would pass for the platform's staff). */
export const NICKNAME_RESERVED = ["客服", "官方", "管理员", "平台", "admin"] as const;

/** The nickname: Chinese characters, letters, digits, `_` and `-`; not digits only (looks like a phone). */
export const nicknameSchema = z.string({ error: "请输入昵称" }).trim()
  .refine((v) => v.length > 0, "请输入昵称")
  .refine((v) => Array.from(v).length >= NICKNAME_MIN_CHARS, `昵称至少 ${NICKNAME_MIN_CHARS} 个字符`)
  .refine((v) => Array.from(v).length <= NICKNAME_MAX_CHARS, `昵称最多 ${NICKNAME_MAX_CHARS} 个字符`)
  .refine((v) => /^[\p{Script=Han}A-Za-z0-9_-]*$/u.test(v), "昵称只能包含汉字、字母、数字、下划线和连字符")
  .refine((v) => !/^[0-9]+$/.test(v), "昵称不能全部是数字")
  .refine(
    (v) => !NICKNAME_RESERVED.some((w) => v.toLowerCase().includes(w)),
    "昵称不能包含“客服”“官方”“管理员”“平台”等字样",
  );

/** Outcome of {@link setNickname}. */
export type SetNicknameResult =
  | { ok: true; nickname: string }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/** Validate and store the nickname. Code: `invalid_input` (`fields.nickname`). */
export async function setNickname(
  db: Db,
  input: { userId: string; nickname: unknown },
): Promise<SetNicknameResult> {
  const parsed = nicknameSchema.safeParse(input.nickname);
  if (!parsed.success) {
    return { ok: false, code: "invalid_input", fields: fieldErrorsFrom(parsed.error, "nickname") };
  }
  const nickname = parsed.data;
  return await transaction(db, async (tx): Promise<SetNicknameResult> => {
    await tx`update users set display_name = ${nickname} where id = ${input.userId}`;
    return { ok: true, nickname };
  });
}

/** Largest avatar accepted: 512 KB. */
export const AVATAR_MAX_BYTES = 512 * 1024;
/** Request body cap of the avatar upload route (the file plus the multipart envelope and fields). */
export const AVATAR_UPLOAD_BODY_MAX_BYTES = AVATAR_MAX_BYTES + 16 * 1024;
/** The path of the upload form (its body limit is raised to {@link AVATAR_UPLOAD_BODY_MAX_BYTES}). */
export const AVATAR_UPLOAD_PATH = "/account/profile/avatar";

/** Image types accepted, as sniffed. */
export type AvatarType = "image/png" | "image/jpeg" | "image/webp";

/** The image type of `bytes` by its magic bytes, or `null` when it is none of PNG, JPEG, WebP. */
export function sniffImageType(bytes: Uint8Array): AvatarType | null {
  const starts = (sig: readonly number[], at = 0) =>
    bytes.length >= at + sig.length && sig.every((b, i) => bytes[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
  // RIFF....WEBP
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  return null;
}

/** Outcome of {@link setAvatar}. */
export type SetAvatarResult =
  | { ok: true; contentType: AvatarType; size: number }
  | { ok: false; code: "empty" | "too_large" | "wrong_type" };

/** Chinese messages of {@link setAvatar}'s failures. */
export const AVATAR_MESSAGES = {
  empty: "请选择要上传的头像图片",
  too_large: `头像图片不能超过 ${AVATAR_MAX_BYTES / 1024} KB`,
  wrong_type: "仅支持 PNG、JPEG 或 WebP 格式的图片",
} as const;

/**
 * Store a new avatar (replacing the old one). Codes: `empty` (no file or zero bytes), `too_large`
 * (above {@link AVATAR_MAX_BYTES}), `wrong_type` (not PNG/JPEG/WebP by its magic bytes — the name and
 * the declared type are ignored).
 */
export async function setAvatar(
  db: Db,
  input: { userId: string; bytes: Uint8Array },
): Promise<SetAvatarResult> {
  const { bytes } = input;
  if (bytes.length === 0) return { ok: false, code: "empty" };
  if (bytes.length > AVATAR_MAX_BYTES) return { ok: false, code: "too_large" };
  const contentType = sniffImageType(bytes);
  if (!contentType) return { ok: false, code: "wrong_type" };
  const sha256 = toHex(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return await transaction(db, async (tx): Promise<SetAvatarResult> => {
    await tx`
      insert into user_avatars (user_id, content_type, bytes, sha256, updated_at)
      values (${input.userId}, ${contentType}, ${bytes}, ${sha256}, now())
      on conflict (user_id) do update set content_type = excluded.content_type, bytes = excluded.bytes,
        sha256 = excluded.sha256, updated_at = now()`;
    return { ok: true, contentType, size: bytes.length };
  });
}

/** Remove the avatar (nothing when there is none). */
export async function removeAvatar(db: Db, userId: string): Promise<void> {
  await transaction(db, async (tx) => {
    await tx`delete from user_avatars where user_id = ${userId}`;
  });
}

/** A stored avatar. */
export interface Avatar {
  contentType: AvatarType;
  bytes: Uint8Array;
  sha256: string;
  updatedAt: Date;
}

/** The user's avatar, or `null`. */
export async function getAvatar(db: Queryable, userId: string): Promise<Avatar | null> {
  const [row] = await db<Avatar[]>`
    select content_type as "contentType", bytes, sha256, updated_at as "updatedAt"
    from user_avatars where user_id = ${userId}`;
  return row ?? null;
}

/** Whether the user has an avatar, and its version (for the image URL), without reading the bytes. */
export async function avatarVersion(db: Queryable, userId: string): Promise<string | null> {
  const [row] = await db<{ sha256: string }[]>`select sha256 from user_avatars where user_id = ${userId}`;
  return row ? row.sha256.slice(0, 12) : null;
}

/** The nickname stored (null when never chosen). */
export async function getNickname(db: Queryable, userId: string): Promise<string | null> {
  const [row] = await db<{ nickname: string | null }[]>`
    select display_name as nickname from users where id = ${userId}`;
  return row?.nickname ?? null;
}
