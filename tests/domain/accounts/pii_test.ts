import assert from "node:assert/strict";
import {
  createPiiCipher,
  maskBankCard,
  maskIdNumber,
  maskName,
  maskPhone,
} from "../../../domain/accounts/pii.ts";

const keys = {
  piiEncKeyBase64: btoa("0123456789abcdef0123456789abcdef"),
  piiHashKey: "test-hash-key-0123456789abcdef-0123456789",
};

Deno.test("pii: encrypt/decrypt round-trips, with a fresh IV each time", async () => {
  const c = createPiiCipher(keys);
  const a = await c.encrypt("13812345678");
  const b = await c.encrypt("13812345678");
  assert.equal(a.length, 12 + 11 + 16);
  assert.notDeepEqual(a, b);
  assert.equal(await c.decrypt(a), "13812345678");
  assert.equal(await c.decrypt(b), "13812345678");
  assert.equal(await c.decrypt(await c.encrypt("张三 110101199001011234")), "张三 110101199001011234");
});

Deno.test("pii: tampered ciphertext or another key fails to decrypt", async () => {
  const c = createPiiCipher(keys);
  const ct = await c.encrypt("13812345678");
  const tampered = new Uint8Array(ct);
  tampered[20] ^= 1;
  await assert.rejects(() => c.decrypt(tampered));
  const other = createPiiCipher({ ...keys, piiEncKeyBase64: btoa("ffffffffffffffffffffffffffffffff") });
  await assert.rejects(() => other.decrypt(ct));
  await assert.rejects(() => c.decrypt(new Uint8Array(5)));
});

Deno.test("pii: keyed hash is deterministic, hex, and depends on the key", async () => {
  const c = createPiiCipher(keys);
  const h = await c.hash("13812345678");
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.equal(await c.hash("13812345678"), h);
  assert.notEqual(await c.hash("13812345679"), h);
  assert.notEqual(
    await createPiiCipher({ ...keys, piiHashKey: "another-key-0123456789abcdef0123" }).hash("13812345678"),
    h,
  );
});

Deno.test("pii: a key that is not 32 bytes is refused", async () => {
  const c = createPiiCipher({ ...keys, piiEncKeyBase64: btoa("short") });
  await assert.rejects(() => c.encrypt("x"), /32 bytes/);
});

Deno.test("pii: masks", () => {
  assert.equal(maskPhone("13812345678"), "138****5678");
  assert.equal(maskIdNumber("110101199001011234"), "110***********1234");
  assert.equal(maskIdNumber("11010119900101123X"), "110***********123X");
  assert.equal(maskName("张三"), "张*");
  assert.equal(maskName("李小龙"), "李**");
  assert.equal(maskName("欧阳娜娜"), "欧***");
  assert.equal(maskName("王"), "王*");
  assert.equal(maskBankCard("6222 0212 3456 7890 123"), "尾号 0123");
  assert.equal(maskPhone("123"), "***");
});
