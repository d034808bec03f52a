/**
 * Video verification (视频认证): a verified user uploads a short video of themselves reading a sentence;
 * staff approve or reject it with a reason in the KYC queue (`/admin/kyc`), and the user is notified.
 *
 * Uploads: at most {@link VIDEO_MAX_BYTES}, not empty, and a video by its *content* — the first bytes
 * (magic numbers: MP4 `ftyp`, QuickTime `ftypqt`/`moov`/`mdat`/`wide`/`free`, WebM's EBML header with
 * the `webm` doc type), never by its name or the browser's type. The file is streamed to disk with a hard
 * cap under the data directory (`<dataDir>/kyc_videos/`, never under `static/`), named by a random id, and
 * served only to its owner and to staff with `kyc.review`, through routes that check first.
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import { notify } from "../messaging/notifications.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { isId } from "../shared/ids.ts";
import { storedFileResponse, storeUploadStream } from "../shared/stored_files.ts";
import { checkDecision, KYC_PERMISSION, KYC_QUEUE_LIMIT, type KycDecisionResult } from "./identity.ts";
import { maskPhone, type PiiCipher } from "../accounts/pii.ts";

/** Largest accepted video: 20 MiB. */
export const VIDEO_MAX_BYTES = 20 * 1024 * 1024;
/** The request body limit of the upload route (the video plus the form's other fields and boundaries). */
export const VIDEO_UPLOAD_BODY_LIMIT = VIDEO_MAX_BYTES + 64 * 1024;
/** The upload route's path (its body limit is raised in main.ts). */
export const VIDEO_UPLOAD_PATH = "/account/video";
/** Sub-folder of the data directory holding the videos. */
export const VIDEO_DIR_NAME = "kyc_videos";

/** The video types accepted, by content. */
export type VideoType = "video/mp4" | "video/webm" | "video/quicktime";

const EXTENSIONS: Readonly<Record<VideoType, "mp4" | "webm" | "mov">> = {
  "video/mp4": "mp4",
  "video/webm": "webm",
  "video/quicktime": "mov",
};

/** Bytes needed by {@link sniffVideoType}. */
export const SNIFF_BYTES = 64;

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

/** The video type of a file by its first bytes (at least 12; up to {@link SNIFF_BYTES} are used), or `null`. */
export function sniffVideoType(head: Uint8Array): VideoType | null {
  if (head.length < 12) return null;
  const box = ascii(head, 4, 4);
  if (box === "ftyp") {
    const brand = ascii(head, 8, 4);
    return brand === "qt  " ? "video/quicktime" : "video/mp4";
  }
  if (box === "moov" || box === "mdat" || box === "wide" || box === "free" || box === "skip") {
    return "video/quicktime";
  }
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    // EBML: WebM names its doc type in the header
    return ascii(head, 4, Math.min(head.length, SNIFF_BYTES) - 4).includes("webm") ? "video/webm" : null;
  }
  return null;
}

/** Why an upload is refused. */
export type VideoUploadProblem = "empty" | "too_large" | "wrong_type" | "missing";

/** Chinese messages shown next to the file field. */
export const VIDEO_UPLOAD_MESSAGES: Readonly<Record<VideoUploadProblem, string>> = {
  missing: "请选择要上传的视频文件",
  empty: "视频文件是空的，请重新录制",
  too_large: `视频不能超过 ${VIDEO_MAX_BYTES / 1024 / 1024} MB，请缩短时长或降低清晰度后重试`,
  wrong_type: "文件不是支持的视频格式（仅支持 MP4、MOV、WebM）。请上传手机录制的视频原文件",
};

/**
 * Outcome of {@link submitVideo}: `invalid_input` (the file: missing, empty, too large, not a video),
 * `not_verified` (real-name first), `pending_exists` (one waits for review), `already_approved`.
 */
export type SubmitVideoResult =
  | { ok: true; videoId: string }
  | { ok: false; code: "invalid_input"; fields: { video: string[] } }
  | { ok: false; code: "not_verified" | "pending_exists" | "already_approved"; message: string };

/** Chinese messages of {@link submitVideo}'s other failures. */
export const SUBMIT_VIDEO_MESSAGES = {
  not_verified: "请先完成实名认证，再进行视频认证",
  pending_exists: "您提交的视频正在审核中，请等待审核结果",
  already_approved: "您已通过视频认证，无需重复提交",
} as const;

/** The folder of the videos under `dataDir`. */
export function videoDir(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, "")}/${VIDEO_DIR_NAME}`;
}

/** Where a stored video lives (`fileName` as stored: 32 hex characters and an extension). */
export function videoPath(dataDir: string, fileName: string): string {
  if (!/^[a-f0-9]{32}\.(mp4|webm|mov)$/.test(fileName)) throw new RangeError("invalid video file name");
  return `${videoDir(dataDir)}/${fileName}`;
}

type StreamResult =
  | { ok: true; type: VideoType; size: number; sha256: string; fileName: string }
  | { ok: false; problem: VideoUploadProblem };

/**
 * Stream `body` into a new file under `dataDir` with a hard cap of {@link VIDEO_MAX_BYTES}: the type is
 * decided from the first bytes before anything is written; on any refusal the partial file is deleted.
 */
export async function storeVideoStream(
  body: ReadableStream<Uint8Array>,
  dataDir: string,
  maxBytes = VIDEO_MAX_BYTES,
): Promise<StreamResult> {
  return await storeUploadStream(body, {
    dir: videoDir(dataDir),
    maxBytes,
    sniffBytes: SNIFF_BYTES,
    sniff: sniffVideoType,
    extensions: EXTENSIONS,
  });
}

/**
 * Submit a video for the signed-in user: `video` is the uploaded file (or `null` when none was chosen).
 * The file is stored first (streamed, capped, typed by its bytes); then one transaction records it as
 * pending. Any refusal leaves no file behind.
 */
export async function submitVideo(
  db: Db,
  input: { userId: string; video: Blob | null },
  deps: { dataDir: string; now?: Date },
): Promise<SubmitVideoResult> {
  if (!input.video) {
    return { ok: false, code: "invalid_input", fields: { video: [VIDEO_UPLOAD_MESSAGES.missing] } };
  }
  if (input.video.size === 0) {
    return { ok: false, code: "invalid_input", fields: { video: [VIDEO_UPLOAD_MESSAGES.empty] } };
  }
  if (input.video.size > VIDEO_MAX_BYTES) {
    return { ok: false, code: "invalid_input", fields: { video: [VIDEO_UPLOAD_MESSAGES.too_large] } };
  }
  const state = await videoState(db, input.userId);
  if (!state.verified) {
    return { ok: false, code: "not_verified", message: SUBMIT_VIDEO_MESSAGES.not_verified };
  }
  if (state.latest?.status === "pending") {
    return { ok: false, code: "pending_exists", message: SUBMIT_VIDEO_MESSAGES.pending_exists };
  }
  if (state.latest?.status === "approved") {
    return { ok: false, code: "already_approved", message: SUBMIT_VIDEO_MESSAGES.already_approved };
  }
  const stored = await storeVideoStream(input.video.stream(), deps.dataDir);
  if (!stored.ok) {
    return { ok: false, code: "invalid_input", fields: { video: [VIDEO_UPLOAD_MESSAGES[stored.problem]] } };
  }
  const path = videoPath(deps.dataDir, stored.fileName);
  try {
    const result = await transaction(db, async (tx): Promise<SubmitVideoResult> => {
      await tx`select id from users where id = ${input.userId} for update`;
      const [latest] = await tx<{ status: string }[]>`
        select status from video_verifications where user_id = ${input.userId} order by id desc limit 1`;
      if (latest?.status === "pending") {
        return { ok: false, code: "pending_exists", message: SUBMIT_VIDEO_MESSAGES.pending_exists };
      }
      if (latest?.status === "approved") {
        return { ok: false, code: "already_approved", message: SUBMIT_VIDEO_MESSAGES.already_approved };
      }
      const [row] = await tx<{ id: string }[]>`
        insert into video_verifications (user_id, file_name, content_type, size_bytes, sha256, created_at)
        values (${input.userId}, ${stored.fileName}, ${stored.type}, ${stored.size}, ${stored.sha256},
                ${deps.now ?? new Date()})
        returning id`;
      return { ok: true, videoId: row.id };
    });
    if (!result.ok) await Deno.remove(path).catch(() => {});
    return result;
  } catch (error) {
    await Deno.remove(path).catch(() => {});
    throw error;
  }
}

/** One video verification as the user sees it. */
export interface VideoRow {
  id: string;
  status: "pending" | "approved" | "rejected";
  contentType: VideoType;
  sizeBytes: bigint;
  reviewReason: string | null;
  reviewedAt: Date | null;
  createdAt: Date;
}

/** Whether the user is verified, and their latest video. */
export async function videoState(
  db: Queryable,
  userId: string,
): Promise<{ verified: boolean; latest: VideoRow | null }> {
  const [user] = await db<{ verified: boolean }[]>`
    select identity_verified_at is not null as verified from users where id = ${userId}`;
  const [latest] = await db<VideoRow[]>`
    select id, status, content_type as "contentType", size_bytes as "sizeBytes", review_reason as "reviewReason",
      reviewed_at as "reviewedAt", created_at as "createdAt"
    from video_verifications where user_id = ${userId} order by id desc limit 1`;
  return { verified: !!user?.verified, latest: latest ?? null };
}

/** A stored video file to stream, after the access check. */
export interface VideoFile {
  path: string;
  contentType: VideoType;
  sizeBytes: bigint;
}

/** The video `videoId` if it is `userId`'s own, else `null` (the route answers 404). */
export async function videoFileForOwner(
  db: Queryable,
  dataDir: string,
  input: { userId: string; videoId: string },
): Promise<VideoFile | null> {
  if (!isId(input.videoId)) return null;
  const [row] = await db<{ fileName: string; contentType: VideoType; sizeBytes: bigint }[]>`
    select file_name as "fileName", content_type as "contentType", size_bytes as "sizeBytes"
    from video_verifications where id = ${input.videoId} and user_id = ${input.userId}`;
  return row
    ? { path: videoPath(dataDir, row.fileName), contentType: row.contentType, sizeBytes: row.sizeBytes }
    : null;
}

/**
 * The video `videoId` for a staff member with `kyc.review`, else `null`. Watching a user's video is
 * audit-logged (`kyc.video.view`) in the same transaction as the look-up.
 */
export async function videoFileForStaff(
  db: Db,
  dataDir: string,
  input: { videoId: string; staff: { id: string; permissions: ReadonlySet<string> }; ip: string | null },
): Promise<VideoFile | null> {
  if (!input.staff.permissions.has(KYC_PERMISSION) || !isId(input.videoId)) return null;
  return await transaction(db, async (tx): Promise<VideoFile | null> => {
    const [row] = await tx<{ userId: string; fileName: string; contentType: VideoType; sizeBytes: bigint }[]>`
      select user_id as "userId", file_name as "fileName", content_type as "contentType", size_bytes as "sizeBytes"
      from video_verifications where id = ${input.videoId}`;
    if (!row) return null;
    await appendAudit(tx, {
      staffId: input.staff.id,
      action: "kyc.video.view",
      target: `user:${row.userId}`,
      detail: { videoId: input.videoId },
      ip: input.ip,
    });
    return { path: videoPath(dataDir, row.fileName), contentType: row.contentType, sizeBytes: row.sizeBytes };
  });
}

/** One pending video in the staff queue. */
export interface VideoQueueRow {
  id: string;
  userId: string;
  phoneMasked: string;
  sizeBytes: bigint;
  contentType: VideoType;
  createdAt: Date;
}

/** Pending videos, oldest first. */
export async function listPendingVideos(db: Queryable, pii: PiiCipher): Promise<VideoQueueRow[]> {
  const rows = await db<(Omit<VideoQueueRow, "phoneMasked"> & { phoneEnc: Uint8Array })[]>`
    select v.id, v.user_id as "userId", v.size_bytes as "sizeBytes", v.content_type as "contentType",
      v.created_at as "createdAt", u.phone_enc as "phoneEnc"
    from video_verifications v join users u on u.id = v.user_id
    where v.status = 'pending' order by v.created_at, v.id limit ${KYC_QUEUE_LIMIT}`;
  const out: VideoQueueRow[] = [];
  for (const { phoneEnc, ...r } of rows) {
    out.push({ ...r, phoneMasked: maskPhone(await pii.decrypt(phoneEnc)) });
  }
  return out;
}

/**
 * A staff member approves or rejects a pending video (`kyc.review`; a rejection needs a reason). The user
 * is notified; audited as `kyc.video.approve` / `kyc.video.reject`.
 */
export async function decideVideo(
  db: Db,
  input: { videoId: string; decision: string; reason: string },
  actor: { staff: { id: string; permissions: ReadonlySet<string> }; ip: string | null },
  deps: { outbox: Outbox; now?: Date },
): Promise<KycDecisionResult> {
  if (!actor.staff.permissions.has(KYC_PERMISSION)) return { ok: false, code: "forbidden" };
  const checked = checkDecision({ id: input.videoId, decision: input.decision, reason: input.reason });
  if (!checked.ok) return { ok: false, code: "invalid_input", fields: checked.fields };
  const now = deps.now ?? new Date();
  return await transaction(db, async (tx): Promise<KycDecisionResult> => {
    const [video] = await tx<{ id: string; userId: string; status: string }[]>`
      select id, user_id as "userId", status from video_verifications where id = ${input.videoId} for update`;
    if (!video) return { ok: false, code: "not_found" };
    if (video.status !== "pending") return { ok: false, code: "already_decided" };
    const approve = checked.decision === "approve";
    await tx`
      update video_verifications set status = ${
      approve ? "approved" : "rejected"
    }, reviewed_by = ${actor.staff.id},
        review_reason = ${checked.reason || null}, reviewed_at = ${now}
      where id = ${video.id}`;
    await notify(tx, deps.outbox, {
      userId: video.userId,
      kind: "generic",
      key: `video-${video.id}`,
      payload: approve ? { title: "视频认证已通过", body: "您提交的认证视频已审核通过。" } : {
        title: "视频认证未通过",
        body: `您提交的认证视频未通过审核，原因：${checked.reason}。请按提示重新录制并上传。`,
      },
    });
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: approve ? "kyc.video.approve" : "kyc.video.reject",
      target: `user:${video.userId}`,
      detail: { videoId: video.id, reason: checked.reason },
      ip: actor.ip,
    });
    return { ok: true };
  });
}

/**
 * The HTTP answer streaming a stored video (after the caller's access check): its type by content,
 * `inline`, never cached, never sniffed; one byte range when the request asks (`rangeHeader`, players
 * seek this way: 206 / 416). `null` when the file is missing on disk.
 */
export async function videoResponse(
  file: VideoFile,
  rangeHeader: string | null = null,
): Promise<Response | null> {
  return await storedFileResponse(file, {}, rangeHeader);
}
