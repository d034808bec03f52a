import assert from "node:assert/strict";
import {
  cardTail,
  createPiiCipher,
  maskBankCard,
  maskIdNumber,
  maskName,
  maskPhone,
  parseOldPiiKeys,
} from "../../../domain/accounts/pii.ts";
import { loadConfig } from "../../../config.ts";

const keys = {
  piiEncKeyBase64: btoa("0123456789abcdef0123456789abcdef"),
  piiHashKey: "test-hash-key-0123456789abcdef-0123456789",
};

Deno.test("pii: encrypt/decrypt round-trips, with a fresh IV each time", async () => {
  const c = createPiiCipher(keys);
  const a = await c.encrypt("13812345678");
  const b = await c.encrypt("13812345678");
  assert.equal(a.length, 1 + 12 + 11 + 16);
  assert.equal(a[0], 1, "the default key version comes first");
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
  assert.equal(maskBankCard("6222 0212 3456 7890 123"), "6222 **** **** 0123");
  assert.equal(maskBankCard("6214830000001234"), "6214 **** **** 1234");
  assert.equal(cardTail("6222 0212 3456 7890 123"), "尾号 0123");
  assert.equal(cardTail("0123"), "尾号 0123");
  assert.equal(maskPhone("123"), "***");
});

const KEY_A = btoa("0123456789abcdef0123456789abcdef");
const KEY_B = btoa("fedcba9876543210fedcba9876543210");
const KEY_C = btoa("abcdefabcdefabcdefabcdefabcdefab");

/** What the cipher wrote before key versions: IV ‖ ciphertext ‖ tag under `keyB64`. */
async function legacyEncrypt(keyB64: string, text: string): Promise<Uint8Array> {
  const raw = Uint8Array.from(atob(keyB64), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(text)),
  );
  const out = new Uint8Array(12 + ct.length);
  out.set(iv);
  out.set(ct, 12);
  return out;
}

Deno.test("pii: values written before key versions are still read", async () => {
  const c = createPiiCipher(keys);
  for (let i = 0; i < 50; i++) {
    // whatever the IV's first byte (it may look like a version), the value opens
    const old = await legacyEncrypt(keys.piiEncKeyBase64, `13800000${String(i).padStart(3, "0")}`);
    assert.equal(await c.decrypt(old), `13800000${String(i).padStart(3, "0")}`);
    assert.equal(await c.needsReencrypt(old), true);
  }
  assert.equal(await c.needsReencrypt(await c.encrypt("x")), false);
});

Deno.test("pii: key rotation — new values under the new version, old versions and unversioned values readable", async () => {
  const v1 = createPiiCipher({ piiEncKeyBase64: KEY_A, piiEncKeyVersion: 1, piiHashKey: keys.piiHashKey });
  const legacy = await legacyEncrypt(KEY_A, "张三");
  const underV1 = await v1.encrypt("110101199001011234");
  // rotate: key B becomes version 2, key A moves to the old keys
  const v2 = createPiiCipher({
    piiEncKeyBase64: KEY_B,
    piiEncKeyVersion: 2,
    piiEncKeysOld: [{ version: 1, keyBase64: KEY_A }],
    piiHashKey: keys.piiHashKey,
  });
  const underV2 = await v2.encrypt("6222021234567890123");
  assert.equal(underV2[0], 2);
  assert.equal(await v2.decrypt(underV1), "110101199001011234");
  assert.equal(await v2.decrypt(legacy), "张三");
  assert.equal(await v2.decrypt(underV2), "6222021234567890123");
  assert.equal(await v2.needsReencrypt(underV1), true);
  assert.equal(await v2.needsReencrypt(underV2), false);
  // the old cipher cannot read the new key's values; a cipher without the old key cannot read the old ones
  await assert.rejects(() => v1.decrypt(underV2));
  const onlyB = createPiiCipher({ piiEncKeyBase64: KEY_B, piiEncKeyVersion: 2, piiHashKey: keys.piiHashKey });
  await assert.rejects(() => onlyB.decrypt(underV1), /any configured key/);
  // a third key: both earlier versions still open
  const v3 = createPiiCipher({
    piiEncKeyBase64: KEY_C,
    piiEncKeyVersion: 3,
    piiEncKeysOld: [{ version: 1, keyBase64: KEY_A }, { version: 2, keyBase64: KEY_B }],
    piiHashKey: keys.piiHashKey,
  });
  assert.equal(await v3.decrypt(underV1), "110101199001011234");
  assert.equal(await v3.decrypt(underV2), "6222021234567890123");
  assert.equal(await v3.decrypt(legacy), "张三");
  // the hash key is not versioned: look-ups survive the rotation
  assert.equal(await v3.hash("13812345678"), await v1.hash("13812345678"));
});

Deno.test("pii: configuration of versioned keys", () => {
  assert.deepEqual(parseOldPiiKeys(""), []);
  assert.deepEqual(parseOldPiiKeys(`1:${KEY_A}, 2:${KEY_B}`), [
    { version: 1, keyBase64: KEY_A },
    { version: 2, keyBase64: KEY_B },
  ]);
  assert.equal(typeof parseOldPiiKeys(`1:${KEY_A},1:${KEY_B}`), "string");
  assert.equal(typeof parseOldPiiKeys(`0:${KEY_A}`), "string");
  assert.equal(typeof parseOldPiiKeys(`1:${btoa("short")}`), "string");
  assert.equal(typeof parseOldPiiKeys(KEY_A), "string");
  const config = loadConfig({
    APP_ENV: "test",
    PII_ENC_KEY: KEY_B,
    PII_ENC_KEY_VERSION: "2",
    PII_ENC_KEYS_OLD: `1:${KEY_A}`,
  });
  assert.equal(config.piiEncKeyVersion, 2);
  assert.deepEqual(config.piiEncKeysOld, [{ version: 1, keyBase64: KEY_A }]);
  assert.throws(() => loadConfig({ APP_ENV: "test", PII_ENC_KEYS_OLD: "1:nope" }), /PII_ENC_KEYS_OLD/);
  assert.throws(() => loadConfig({ APP_ENV: "test", PII_ENC_KEY_VERSION: "256" }), /PII_ENC_KEY_VERSION/);
  assert.throws(
    () =>
      createPiiCipher({
        piiEncKeyBase64: KEY_A,
        piiEncKeyVersion: 1,
        piiEncKeysOld: [{ version: 1, keyBase64: KEY_B }],
        piiHashKey: "x",
      }),
    /both current and old/,
  );
});
