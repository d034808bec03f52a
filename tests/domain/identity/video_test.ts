import assert from "node:assert/strict";
import { dbTest } from "../../helpers/db.ts";
import { createUser, testCipher } from "../../helpers/forms.ts";
import { testOutbox } from "../../helpers/outbox.ts";
import type { Db } from "../../../db/tx.ts";
import {
  decideVideo,
  listPendingVideos,
  sniffVideoType,
  storeVideoStream,
  submitVideo,
  VIDEO_MAX_BYTES,
  videoFileForOwner,
  videoFileForStaff,
  videoState,
} from "../../../domain/identity/video.ts";
import { verifyIdentity } from "../../../domain/identity/identity.ts";
import { makeIdNumber } from "../../../domain/identity/id_number.ts";
import { MOV_HEAD, MP4_HEAD, videoBytes, WEBM_HEAD } from "../../helpers/identity.ts";

Deno.test("video: the type comes from the magic bytes", () => {
  assert.equal(sniffVideoType(MP4_HEAD), "video/mp4");
  assert.equal(sniffVideoType(MOV_HEAD), "video/quicktime");
  assert.equal(sniffVideoType(WEBM_HEAD), "video/webm");
  assert.equal(
    sniffVideoType(new Uint8Array([0, 0, 0, 8, ...new TextEncoder().encode("moov"), 0, 0, 0, 0])),
    "video/quicktime",
  );
  assert.equal(sniffVideoType(new TextEncoder().encode("%PDF-1.7 not a video at all")), null);
  assert.equal(
    sniffVideoType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0])),
    null,
  );
  // EBML without the webm doc type (e.g. Matroska) is refused
  assert.equal(
    sniffVideoType(
      new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0, ...new TextEncoder().encode("matroska")]),
    ),
    null,
  );
  assert.equal(sniffVideoType(new Uint8Array(4)), null);
});

Deno.test("video: streamed to disk with a hard cap; refusals leave no file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ok = await storeVideoStream(new Blob([videoBytes(MP4_HEAD, 100_000)]).stream(), dir);
    assert.ok(ok.ok);
    assert.equal(ok.size, 100_000);
    assert.equal((await Deno.stat(`${dir}/kyc_videos/${ok.fileName}`)).size, 100_000);
    const tooBig = await storeVideoStream(new Blob([videoBytes(MP4_HEAD, 5000)]).stream(), dir, 4096);
    assert.deepEqual(tooBig, { ok: false, problem: "too_large" });
    const pdf = await storeVideoStream(
      new Blob([new TextEncoder().encode("%PDF-1.7".padEnd(500, "x"))]).stream(),
      dir,
    );
    assert.deepEqual(pdf, { ok: false, problem: "wrong_type" });
    const empty = await storeVideoStream(new Blob([]).stream(), dir);
    assert.deepEqual(empty, { ok: false, problem: "empty" });
    const files = [...Deno.readDirSync(`${dir}/kyc_videos`)];
    assert.equal(files.length, 1, "only the accepted file stays");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function verifiedUser(sql: Db) {
  const u = await createUser(sql);
  const n = Number(u.userId) % 100000;
  const id = makeIdNumber(
    "320102",
    `19${50 + (n % 50)}0${1 + (n % 9)}2${n % 8}`,
    String(n % 1000).padStart(3, "0"),
  );
  const r = await verifyIdentity(sql, { userId: u.userId, realName: "李四", idNumber: id }, {
    pii: testCipher,
    outbox: testOutbox,
    gateways: { identity: { name: "t", check: () => Promise.resolve({ ok: true, providerReference: "t" }) } },
  });
  assert.deepEqual(r, { ok: true });
  return u;
}

dbTest(
  "video: submit, one pending at a time, owner-only access, staff approve / reject with a reason",
  async (sql) => {
    const dataDir = await Deno.makeTempDir();
    try {
      const unverified = await createUser(sql);
      const nv = await submitVideo(sql, {
        userId: unverified.userId,
        video: new Blob([videoBytes(MP4_HEAD)]),
      }, { dataDir });
      assert.ok(!nv.ok && nv.code === "not_verified");

      const { userId } = await verifiedUser(sql);
      const missing = await submitVideo(sql, { userId, video: null }, { dataDir });
      assert.ok(!missing.ok && missing.code === "invalid_input");
      const empty = await submitVideo(sql, { userId, video: new Blob([]) }, { dataDir });
      assert.ok(!empty.ok && empty.code === "invalid_input" && /空/.test(empty.fields.video[0]));
      // a PDF named like a video
      const disguised = new File([new TextEncoder().encode("%PDF-1.7".padEnd(2000, " "))], "selfie.mp4", {
        type: "video/mp4",
      });
      const wrong = await submitVideo(sql, { userId, video: disguised }, { dataDir });
      assert.ok(!wrong.ok && wrong.code === "invalid_input" && /格式/.test(wrong.fields.video[0]));
      const big = await submitVideo(sql, {
        userId,
        video: new Blob([videoBytes(MP4_HEAD, VIDEO_MAX_BYTES + 1)]),
      }, { dataDir });
      assert.ok(!big.ok && big.code === "invalid_input" && /20 MB/.test(big.fields.video[0]));

      const ok = await submitVideo(sql, { userId, video: new File([videoBytes(WEBM_HEAD)], "a.txt") }, {
        dataDir,
      });
      assert.ok(ok.ok);
      const again = await submitVideo(sql, { userId, video: new Blob([videoBytes(MP4_HEAD)]) }, { dataDir });
      assert.ok(!again.ok && again.code === "pending_exists");
      assert.equal((await videoState(sql, userId)).latest?.contentType, "video/webm");

      // owner only
      assert.ok(await videoFileForOwner(sql, dataDir, { userId, videoId: ok.videoId }));
      assert.equal(
        await videoFileForOwner(sql, dataDir, { userId: unverified.userId, videoId: ok.videoId }),
        null,
      );
      const [s] = await sql<{ id: string }[]>`
      insert into staff (username, display_name, role, password_hash)
      values (${"vid" + crypto.randomUUID().slice(0, 8)}, '审核员', 'risk', 'x') returning id`;
      assert.equal(
        await videoFileForStaff(sql, dataDir, {
          videoId: ok.videoId,
          staff: { id: s.id, permissions: new Set() },
          ip: null,
        }),
        null,
      );
      assert.ok(
        await videoFileForStaff(sql, dataDir, {
          videoId: ok.videoId,
          staff: { id: s.id, permissions: new Set(["kyc.review"]) },
          ip: "10.1.2.3",
        }),
      );
      const [viewed] =
        await sql`select action, target from audit_log where staff_id = ${s.id} order by id desc limit 1`;
      assert.deepEqual({ ...viewed }, { action: "kyc.video.view", target: `user:${userId}` });

      assert.ok((await listPendingVideos(sql, testCipher)).some((v) => v.id === ok.videoId));
      const actor = { staff: { id: s.id, permissions: new Set(["kyc.review"]) }, ip: null };
      const noReason = await decideVideo(
        sql,
        { videoId: ok.videoId, decision: "reject", reason: " " },
        actor,
        { outbox: testOutbox },
      );
      assert.ok(!noReason.ok && noReason.code === "invalid_input");
      assert.deepEqual(
        await decideVideo(
          sql,
          { videoId: ok.videoId, decision: "reject", reason: "画面模糊，看不清面部" },
          actor,
          { outbox: testOutbox },
        ),
        { ok: true },
      );
      const state = await videoState(sql, userId);
      assert.equal(state.latest?.status, "rejected");
      assert.equal(state.latest?.reviewReason, "画面模糊，看不清面部");
      const [audit] = await sql`select action from audit_log where target = ${
        "user:" + userId
      } order by id desc limit 1`;
      assert.equal(audit.action, "kyc.video.reject");
      const [note] = await sql`select payload from outbox_events where dedupe_key like ${
        "notification:generic:" + userId + ":video-%"
      }`;
      assert.match(JSON.stringify(note.payload), /画面模糊/);
      // after a rejection the user uploads again, and staff approve
      const second = await submitVideo(sql, { userId, video: new Blob([videoBytes(MOV_HEAD)]) }, { dataDir });
      assert.ok(second.ok);
      assert.deepEqual(
        await decideVideo(sql, { videoId: second.videoId, decision: "approve", reason: "" }, actor, {
          outbox: testOutbox,
        }),
        { ok: true },
      );
      const done = await submitVideo(sql, { userId, video: new Blob([videoBytes(MP4_HEAD)]) }, { dataDir });
      assert.ok(!done.ok && done.code === "already_approved");
      // exactly the two accepted files are on disk
      assert.equal([...Deno.readDirSync(`${dataDir}/kyc_videos`)].length, 2);
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
);
