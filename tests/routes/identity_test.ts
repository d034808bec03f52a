import assert from "node:assert/strict";
import {
  appTest,
  BASE,
  Client,
  createUser,
  latestSmsCode,
  mainOf,
  seededTestApp,
  TEST_PASSWORD,
} from "../helpers/forms.ts";
import { DEMO_PASSWORD } from "../../db/seed.ts";
import { deliverOutbox } from "../helpers/outbox.ts";
import { makeIdNumber } from "../../domain/identity/id_number.ts";
import { makeCardNumber } from "../../domain/identity/bank_bin.ts";
import { freeSandboxIdentity, MP4_HEAD, videoBytes } from "../helpers/identity.ts";
import { VIDEO_MAX_BYTES } from "../../domain/identity/video.ts";

function upload(client: Client, file: Blob, name: string) {
  const form = new FormData();
  form.set("_csrf", client.csrf);
  form.set("video", file, name);
  return client.send("/account/video", { method: "POST", headers: { origin: BASE }, body: form });
}

appTest(
  "identity pages: bad input next to the field (422), then verify, bind a card, upload a video",
  async (app) => {
    const { phone } = await createUser(app.sql);
    const client = new Client(app);
    await client.login(phone, TEST_PASSWORD);
    const page = await client.get("/account/identity");
    assert.equal(page.status, 200);
    assert.match(page.html, /实名认证/);

    const id = makeIdNumber("110105", "19900101", "123");
    const badChecksum = await client.post("/account/identity", {
      realName: "张三",
      idNumber: id.slice(0, 17) + (id[17] === "1" ? "2" : "1"),
    });
    assert.equal(badChecksum.status, 422);
    assert.match(mainOf(badChecksum.html), /校验位不正确/);
    assert.match(badChecksum.html, /value="张三"/, "what the user typed stays");
    const minor = await client.post("/account/identity", {
      realName: "张三",
      idNumber: makeIdNumber("110105", "20120101", "123"),
    });
    assert.equal(minor.status, 422);
    assert.match(minor.html, /未满 18 周岁/);
    const notFound = await client.post("/account/identity", { realName: "张三", idNumber: id });
    assert.equal(notFound.status, 422);
    assert.match(notFound.html, /查无此身份证号码/);

    const identity = await freeSandboxIdentity(app.sql);
    const ok = await client.post("/account/identity", { ...identity });
    assert.equal(ok.status, 303, ok.html.slice(0, 300));
    const verified = await client.get("/account/identity?done=1");
    assert.match(verified.html, /已认证/);
    assert.ok(
      verified.html.includes(identity.idNumber.slice(0, 3) + "***********" + identity.idNumber.slice(-4)),
    );
    assert.ok(!verified.html.includes(identity.idNumber), "the full ID number is never shown");
    await deliverOutbox(app.sql);
    assert.match((await client.get("/account/identity")).html, /已开通/);

    // cards: Luhn failure next to the field, then a good card
    await client.get("/account/cards");
    const card = makeCardNumber("622202", String(Date.now()).slice(-12).padStart(12, "0"));
    const luhn = await client.post("/account/cards", {
      intent: "add",
      cardNumber: card.slice(0, -1) + String((Number(card.at(-1)) + 1) % 10),
      reservedPhone: phone,
      password: TEST_PASSWORD,
    });
    assert.equal(luhn.status, 422);
    assert.match(luhn.html, /校验位不符/);
    const added = await client.post("/account/cards", {
      intent: "add",
      cardNumber: card,
      reservedPhone: phone,
      password: TEST_PASSWORD,
    });
    assert.equal(added.status, 303, added.html.slice(0, 500));
    const cards = await client.get("/account/cards?done=added");
    assert.ok(cards.html.includes(`6222 **** **** ${card.slice(-4)}`));
    assert.ok(!cards.html.includes(card));

    // video: wrong type by content with an innocent name, empty, too large, then a real one
    await client.get("/account/video");
    const pdf = await upload(
      client,
      new Blob([new TextEncoder().encode("%PDF-1.7".padEnd(3000, " "))]),
      "me.mp4",
    );
    assert.equal(pdf.status, 422);
    assert.match(pdf.html, /不是支持的视频格式/);
    const empty = await upload(client, new Blob([]), "me.mp4");
    assert.equal(empty.status, 422);
    assert.match(empty.html, /空的|请选择/);
    const big = await upload(client, new Blob([videoBytes(MP4_HEAD, VIDEO_MAX_BYTES + 200_000)]), "me.mp4");
    assert.equal(big.status, 413);
    const good = await upload(client, new Blob([videoBytes(MP4_HEAD, 50_000)]), "me.mp4");
    assert.equal(good.status, 303, good.html.slice(0, 300));
    const status = await client.get("/account/video?done=1");
    assert.match(status.html, /审核中/);
    const link = /href="(\/account\/video\/\d+)"/.exec(status.html)![1];
    const file = await client.get(link);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get("content-type"), "video/mp4");
    assert.equal(file.headers.get("cache-control"), "no-store");
    // another user cannot fetch it, nor can a visitor
    const other = await createUser(app.sql);
    const stranger = new Client(app);
    await stranger.login(other.phone, TEST_PASSWORD);
    assert.equal((await stranger.get(link)).status, 404);
    assert.equal((await new Client(app).get(link)).status, 303);

    // removing the card with an SMS code instead of the password
    const cardsPage = await client.get("/account/cards");
    const cardId = /data-card-id="(\d+)"/.exec(cardsPage.html)![1];
    // first the earlier notifications' SMS (the welcome SMS), so the latest SMS is the code
    for (let i = 0; i < 3; i++) await deliverOutbox(app.sql);
    const sent = await client.post("/account/cards", { intent: "send_code_remove", cardId });
    assert.equal(sent.status, 200);
    assert.match(sent.html, /验证码已发送/);
    const wrongCode = await client.post("/account/cards", {
      intent: "remove",
      cardId,
      method: "sms",
      smsCode: "000000",
    });
    assert.equal(wrongCode.status, 422);
    assert.match(wrongCode.html, /验证码错误/);
    const code = await latestSmsCode(app.sql, phone);
    const removed = await client.post("/account/cards", {
      intent: "remove",
      cardId,
      method: "sms",
      smsCode: code,
    });
    assert.equal(removed.status, 303);
    assert.match((await client.get("/account/cards?done=removed")).html, /尚未绑定银行卡/);
  },
);

appTest("admin kyc: staff with kyc.review see the queues and decide; others are refused", async () => {
  const app = await seededTestApp();
  const { phone, userId } = await createUser(app.sql);
  const client = new Client(app);
  await client.login(phone, TEST_PASSWORD);
  await client.get("/account/identity");
  const review = await client.post("/account/identity", {
    realName: "人工审核",
    idNumber: makeIdNumber("110105", "19800101", String(Number(userId) % 1000).padStart(3, "0")),
  });
  assert.equal(review.status, 202);
  assert.match(review.html, /人工审核/);

  const ops = new Client(app);
  await ops.staffLogin("ops", DEMO_PASSWORD);
  const queue = await ops.get("/admin/kyc");
  assert.equal(queue.status, 200);
  assert.match(queue.html, /实名异常/);
  // the queue holds other users' items too (a shared database): find this user's, then its form
  const [{ id: reviewId }] = await app.sql<{ id: string }[]>`
    select id from identity_reviews where user_id = ${userId} and status = 'pending'`;
  assert.ok(queue.html.includes(`name="id" value="${reviewId}"`), "the user's exception is listed");
  /** The reviewer's decision on one queued item. */
  const decide = (kind: "identity" | "video", id: string, decision: "approve" | "reject", reason: string) =>
    ops.post("/admin/kyc", { kind, id, decision, reason });
  const noReason = await decide("identity", reviewId, "reject", "");
  assert.equal(noReason.status, 422);
  assert.match(noReason.html, /驳回须填写原因/);
  const done = await decide("identity", reviewId, "approve", "证件核对无误");
  assert.equal(done.status, 303);
  assert.match((await client.get("/account/identity")).html, /已认证/);

  // the now verified user uploads a video; the reviewer plays it and rejects it with a reason
  await client.get("/account/video");
  assert.equal((await upload(client, new Blob([videoBytes(MP4_HEAD, 10_000)]), "v.mp4")).status, 303);
  const videos = await ops.get("/admin/kyc");
  const [{ id: videoId }] = await app.sql<{ id: string }[]>`
    select id from video_verifications where user_id = ${userId} and status = 'pending'`;
  assert.ok(videos.html.includes(`href="/admin/kyc/videos/${videoId}"`));
  const played = await ops.get(`/admin/kyc/videos/${videoId}`);
  assert.equal(played.status, 200);
  assert.equal(played.headers.get("content-type"), "video/mp4");
  assert.equal(played.headers.get("accept-ranges"), "bytes");
  const seeked = await ops.send(`/admin/kyc/videos/${videoId}`, { headers: { range: "bytes=1000-1999" } });
  assert.equal(seeked.status, 206);
  assert.equal(seeked.headers.get("content-range"), "bytes 1000-1999/10000");
  const rejected = await decide("video", videoId, "reject", "未手持身份证");
  assert.equal(rejected.status, 303);
  const mine = await client.get("/account/video");
  assert.match(mine.html, /未通过/);
  assert.match(mine.html, /未手持身份证/);

  const finance = new Client(app);
  await finance.staffLogin("finance", DEMO_PASSWORD);
  assert.equal((await finance.get("/admin/kyc")).status, 403);
  assert.equal((await finance.get(`/admin/kyc/videos/${videoId}`)).status, 403);
});
