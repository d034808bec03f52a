/** Profile: nickname rules, avatar sniffing by magic bytes, and the stored avatar (both databases). */
import assert from "node:assert/strict";
import {
  AVATAR_MAX_BYTES,
  getAvatar,
  getNickname,
  nicknameSchema,
  removeAvatar,
  setAvatar,
  setNickname,
  sniffImageType,
} from "../../../domain/accounts/profile.ts";
import { dbTest } from "../../helpers/db.ts";
import { createUser } from "../../helpers/forms.ts";
import { JPEG, PNG, WEBP } from "../investor/helpers.ts";

Deno.test("sniffImageType reads PNG, JPEG and WebP from their magic bytes only", () => {
  assert.equal(sniffImageType(PNG), "image/png");
  assert.equal(sniffImageType(JPEG), "image/jpeg");
  assert.equal(sniffImageType(WEBP), "image/webp");
  assert.equal(sniffImageType(new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>")), null);
  assert.equal(sniffImageType(new TextEncoder().encode("GIF89a......")), null);
  assert.equal(
    sniffImageType(new Uint8Array([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x41, 0x56, 0x49, 0x20])),
    null,
  );
  assert.equal(sniffImageType(new Uint8Array([0x89, 0x50])), null);
  assert.equal(sniffImageType(new Uint8Array()), null);
});

Deno.test("nickname rules: length, characters, digits only, reserved words; trimmed", () => {
  const bad: [string, RegExp][] = [
    ["", /请输入昵称/],
    ["   ", /请输入昵称/],
    ["a", /至少 2/],
    ["一二三四五六七八九十一二三四五六七", /最多 16/],
    ["hello world", /只能包含/],
    ["<b>x</b>", /只能包含/],
    ["13800138000", /全部是数字/],
    ["官方客服小王", /不能包含/],
    ["Admin01", /不能包含/],
  ];
  for (const [value, message] of bad) {
    const r = nicknameSchema.safeParse(value);
    assert.equal(r.success, false, value);
    assert.match(r.error!.issues[0].message, message, value);
  }
  assert.equal(nicknameSchema.parse("  小明_2026  "), "小明_2026");
  assert.equal(nicknameSchema.parse("Lender-9"), "Lender-9");
});

dbTest("setNickname stores a valid nickname and refuses a bad one with a field message", async (sql) => {
  const { userId } = await createUser(sql);
  const before = await getNickname(sql, userId);
  const bad = await setNickname(sql, { userId, nickname: "x" });
  assert.ok(!bad.ok);
  assert.ok(bad.fields.nickname?.[0]);
  assert.equal(await getNickname(sql, userId), before);
  const ok = await setNickname(sql, { userId, nickname: " 稳健小李 " });
  assert.deepEqual(ok, { ok: true, nickname: "稳健小李" });
  assert.equal(await getNickname(sql, userId), "稳健小李");
});

dbTest(
  "setAvatar: empty, too large and wrong type are refused and store nothing; a PNG is kept",
  async (sql) => {
    const { userId } = await createUser(sql);
    assert.deepEqual(await setAvatar(sql, { userId, bytes: new Uint8Array() }), { ok: false, code: "empty" });
    const big = new Uint8Array(AVATAR_MAX_BYTES + 1);
    big.set(PNG);
    assert.deepEqual(await setAvatar(sql, { userId, bytes: big }), { ok: false, code: "too_large" });
    const html = new TextEncoder().encode("<html><script>alert(1)</script></html>");
    assert.deepEqual(await setAvatar(sql, { userId, bytes: html }), { ok: false, code: "wrong_type" });
    assert.equal(await getAvatar(sql, userId), null);

    const exact = new Uint8Array(AVATAR_MAX_BYTES);
    exact.set(JPEG);
    assert.deepEqual(await setAvatar(sql, { userId, bytes: exact }), {
      ok: true,
      contentType: "image/jpeg",
      size: AVATAR_MAX_BYTES,
    });
    assert.deepEqual(await setAvatar(sql, { userId, bytes: PNG }), {
      ok: true,
      contentType: "image/png",
      size: 16,
    });
    const stored = await getAvatar(sql, userId);
    assert.equal(stored?.contentType, "image/png");
    assert.deepEqual([...stored!.bytes], [...PNG]);
    await removeAvatar(sql, userId);
    assert.equal(await getAvatar(sql, userId), null);
  },
);
