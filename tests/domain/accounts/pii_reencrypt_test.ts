/**
 * PII re-encryption after a key rotation: every encrypted value (bytea columns, a composite-key table, the
 * values inside application details) ends under the new key, in bounded runs that resume where the last
 * stopped; a value no key opens is counted and left; a finished pass reads nothing; the next rotation starts
 * again; every bytea column of the schema is either a target or known not to be personal data.
 *
 * On real Postgres it runs in a schema of its own: it rewrites every row, and the other files of the run
 * read theirs with the test key.
 */
import assert from "node:assert/strict";
import { migrate } from "../../../db/migrate.ts";
import type { Db } from "../../../db/tx.ts";
import { createPiiCipher, type PiiCipher } from "../../../domain/accounts/pii.ts";
import { ENCRYPTED_COLUMNS, PII_TARGETS, reencryptPii } from "../../../domain/accounts/pii_reencrypt.ts";
import { runCronJob } from "../../../jobs/cron.ts";
import { cronJobs } from "../../../jobs/mod.ts";
import { piiReencryptJob } from "../../../jobs/pii_reencrypt.ts";
import { databaseUrl, withScratchDb } from "../../db/scratch.ts";
import { getTestDb } from "../../helpers/db.ts";
import { withDeps } from "../../jobs/fixtures.ts";

const KEY_A = btoa("0123456789abcdef0123456789abcdef");
const KEY_B = btoa("fedcba9876543210fedcba9876543210");
const KEY_C = btoa("abcdefabcdefabcdefabcdefabcdef01");
const HASH_KEY = "test-hash-key-test-hash-key-test-hash-key";
const v1 = createPiiCipher({ piiEncKeyBase64: KEY_A, piiEncKeyVersion: 1, piiHashKey: HASH_KEY });
const v2 = createPiiCipher({
  piiEncKeyBase64: KEY_B,
  piiEncKeyVersion: 2,
  piiEncKeysOld: [{ version: 1, keyBase64: KEY_A }],
  piiHashKey: HASH_KEY,
});
/** Only the new key: what can be read once the old key is removed. */
const onlyB = createPiiCipher({ piiEncKeyBase64: KEY_B, piiEncKeyVersion: 2, piiHashKey: HASH_KEY });

/** A value as written before key versions (IV first), under `keyB64`. */
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

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function withPiiDb(fn: (sql: Db) => Promise<void>): Promise<void> {
  if (!databaseUrl) return await fn((await getTestDb()).sql);
  await withScratchDb(async ({ db }) => {
    await migrate(db.sql);
    await fn(db.sql);
  });
}

Deno.test("pii: reencrypt rewrites only what is not under the current key; keyVersion", async () => {
  assert.equal(v2.keyVersion, 2);
  const under1 = await v1.encrypt("13812345678");
  const again = (await v2.reencrypt(under1))!;
  assert.equal(again[0], 2);
  assert.equal(await onlyB.decrypt(again), "13812345678");
  assert.equal(await v2.reencrypt(again), null);
  assert.equal(await onlyB.decrypt((await v2.reencrypt(await legacyEncrypt(KEY_A, "张三")))!), "张三");
  await assert.rejects(() => v2.reencrypt(crypto.getRandomValues(new Uint8Array(40))));
});

/** Every encrypted value the test wrote, with its plain text: [table, column or path, key, plain]. */
type Written = [string, string, string, string];

async function writeUnderOldKeys(sql: Db): Promise<{ written: Written[]; corruptUser: string }> {
  const written: Written[] = [];
  const enc = async (plain: string, i: number) =>
    i % 3 === 0 ? await legacyEncrypt(KEY_A, plain) : await v1.encrypt(plain);
  const userIds: string[] = [];
  for (let i = 0; i < 5; i++) {
    const phone = `1390000${String(i).padStart(4, "0")}`;
    const [u] = await sql<{ id: string }[]>`
      insert into users (kind, phone_enc, phone_hash, email_enc, real_name_enc, id_number_enc, id_number_hash,
        identity_verified_at)
      values ('investor', ${await enc(phone, i)}, ${"reenc-" + crypto.randomUUID()},
        ${i === 1 ? await v1.encrypt("a@example.com") : null},
        ${i === 2 ? await v1.encrypt("张三") : null}, ${i === 2 ? await enc("110101199001011234", i) : null},
        ${i === 2 ? "reenc-" + crypto.randomUUID() : null}, ${i === 2 ? new Date() : null})
      returning id::text as id`;
    userIds.push(u.id);
    written.push(["users", "phone_enc", u.id, phone]);
    if (i === 1) written.push(["users", "email_enc", u.id, "a@example.com"]);
    if (i === 2) {
      written.push(["users", "real_name_enc", u.id, "张三"], [
        "users",
        "id_number_enc",
        u.id,
        "110101199001011234",
      ]);
    }
  }
  // a value no key opens: counted, left as it is
  const [bad] = await sql<{ id: string }[]>`
    insert into users (kind, phone_enc, phone_hash) values ('investor', ${
    crypto.getRandomValues(new Uint8Array(40))
  },
      ${"reenc-" + crypto.randomUUID()}) returning id::text as id`;
  const [card] = await sql<{ id: string }[]>`
    insert into bank_cards (user_id, card_number_enc, card_number_hash, card_bin, last4, bank_code, bank_name,
      reserved_phone_enc)
    values (${userIds[0]}, ${await v1.encrypt("6222021234567890123")}, ${
    "reenc-" + crypto.randomUUID()
  }, '622202',
      '0123', 'ICBC', '工商银行', ${await legacyEncrypt(KEY_A, "13900000000")}) returning id::text as id`;
  written.push(["bank_cards", "card_number_enc", card.id, "6222021234567890123"]);
  written.push(["bank_cards", "reserved_phone_enc", card.id, "13900000000"]);
  const [staff] = await sql<{ id: string }[]>`
    insert into staff (username, display_name, role, password_hash)
    values (${
    "r" + crypto.randomUUID().replaceAll("-", "").slice(0, 20)
  }, '轮换', 'tech', '!') returning id::text as id`;
  await sql`insert into staff_totp (staff_id, secret_enc, created_at) values (${staff.id}, ${await v1.encrypt(
    "TOTPSECRET",
  )}, now())`;
  written.push(["staff_totp", "secret_enc", staff.id, "TOTPSECRET"]);
  await sql`insert into gateway_credentials (gateway, name, value_enc)
    values ('custody', ${"apiKey" + staff.id}, ${await v1.encrypt("sk-live-123")})`;
  written.push(["gateway_credentials", "value_enc", `custody/apiKey${staff.id}`, "sk-live-123"]);
  const [event] = await sql<{ id: string }[]>`
    insert into outbox_events (topic, secret) values ('sms.send', ${await v1.encrypt(
    '{"phone":"13900000001"}',
  )})
    returning id::text as id`;
  written.push(["outbox_events", "secret", event.id, '{"phone":"13900000001"}']);
  const details = {
    profile: { city: "上海市" },
    contacts: [
      { name: "李四", phoneEnc: b64(await v1.encrypt("13800138001")), phoneMasked: "138****8001" },
      { name: "王五", phoneEnc: b64(await legacyEncrypt(KEY_A, "13900139002")), phoneMasked: "139****9002" },
    ],
    business: { legalRepIdEnc: b64(await v1.encrypt("110101198001011234")) },
  };
  const [app] = await sql<{ id: string }[]>`
    insert into loan_applications (user_id, product_id, details)
    select ${userIds[3]}, id, ${sql.json(details)} from loan_products where code = 'small_business'
    returning id::text as id`;
  written.push(["loan_applications", "contacts.0", app.id, "13800138001"]);
  written.push(["loan_applications", "contacts.1", app.id, "13900139002"]);
  written.push(["loan_applications", "business", app.id, "110101198001011234"]);
  return { written, corruptUser: bad.id };
}

/** The stored value of one written item (bytes). */
async function stored(sql: Db, [table, column, key]: Written): Promise<Uint8Array> {
  if (table === "loan_applications") {
    const [row] = await sql<
      { details: string }[]
    >`select details::text as details from loan_applications where id = ${key}`;
    const d = JSON.parse(row.details);
    return unb64(
      column === "business" ? d.business.legalRepIdEnc : d.contacts[Number(column.split(".")[1])].phoneEnc,
    );
  }
  if (table === "gateway_credentials") {
    const [gateway, name] = key.split("/");
    const [row] = await sql<{ v: Uint8Array }[]>`
      select value_enc as v from gateway_credentials where gateway = ${gateway} and name = ${name}`;
    return row.v;
  }
  const keyColumn = table === "staff_totp" ? "staff_id" : "id";
  const [row] = await sql<{ v: Uint8Array }[]>`
    select ${sql(column)} as v from ${sql(table)} where ${sql(keyColumn)} = ${key}::bigint`;
  return row.v;
}

async function assertAllUnder(sql: Db, written: Written[], cipher: PiiCipher, version: number) {
  for (const item of written) {
    const bytes = await stored(sql, item);
    assert.equal(bytes[0], version, item.join(" "));
    assert.equal(await cipher.decrypt(bytes), item[3], item.join(" "));
  }
}

Deno.test({
  name:
    "pii re-encryption: bounded runs resume to the end; the old key is then not needed; a rotation restarts",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withPiiDb(async (sql) => {
      const { written, corruptUser } = await writeUnderOldKeys(sql);
      const corruptBefore =
        (await sql<{ v: Uint8Array }[]>`select phone_enc as v from users where id = ${corruptUser}`)[0].v;

      // a run of at most 3 rows stops with work left, its progress committed
      const first = await reencryptPii(sql, v2, { batchRows: 2, maxRows: 3 });
      assert.equal(first.scanned, 3);
      assert.ok(first.remaining.length > 0);
      const [users] = await sql<{ cursor: string; finished: boolean }[]>`
        select cursor, finished_at is not null as finished from pii_reencrypt_progress where target = 'users'`;
      assert.equal(users.finished, false);
      assert.notEqual(users.cursor, "");
      // …the next run takes it on after the committed cursor…
      const second = await reencryptPii(sql, v2, { batchRows: 2, maxRows: 3 });
      assert.equal(second.scanned, 3);
      const [users2] = await sql<{ cursor: string }[]>`
        select cursor from pii_reencrypt_progress where target = 'users'`;
      assert.ok(BigInt(users2.cursor) > BigInt(users.cursor), `${users2.cursor} after ${users.cursor}`);
      // …and the cron job, as deployed, does the rest
      assert.ok(cronJobs.includes(piiReencryptJob));
      const job = await withDeps(
        sql,
        (deps) => runCronJob({ ...deps, pii: v2 }, piiReencryptJob, "test-reenc"),
      );
      assert.equal(job.ok, true, JSON.stringify(job));
      if (!job.ok) return;
      assert.ok(Number(job.detail.rewritten) > 0);
      assert.deepEqual(job.detail.remaining, []);
      assert.deepEqual([...job.detail.finished as string[]].sort(), [...PII_TARGETS].sort());

      // everything under key 2, readable without key 1; the value no key opens counted once and untouched
      await assertAllUnder(sql, written, onlyB, 2);
      const [{ rewritten, unreadable }] = await sql<{ rewritten: bigint; unreadable: bigint }[]>`
        select sum(rewritten)::bigint as rewritten, sum(unreadable)::bigint as unreadable from pii_reencrypt_progress
        where key_version = 2`;
      assert.ok(rewritten >= BigInt(written.length), `${rewritten} rewritten`);
      assert.equal(unreadable, 1n);
      const corruptAfter =
        (await sql<{ v: Uint8Array }[]>`select phone_enc as v from users where id = ${corruptUser}`)[0].v;
      assert.deepEqual(new Uint8Array(corruptAfter), new Uint8Array(corruptBefore));

      // finished: another run reads nothing
      const idle = await reencryptPii(sql, v2);
      assert.deepEqual([idle.scanned, idle.rewritten], [0, 0]);

      // the next rotation starts every target again
      const v3 = createPiiCipher({
        piiEncKeyBase64: KEY_C,
        piiEncKeyVersion: 3,
        piiEncKeysOld: [{ version: 2, keyBase64: KEY_B }],
        piiHashKey: HASH_KEY,
      });
      const third = await reencryptPii(sql, v3);
      assert.deepEqual(third.remaining, []);
      assert.ok(third.rewritten >= written.length);
      await assertAllUnder(
        sql,
        written,
        createPiiCipher({ piiEncKeyBase64: KEY_C, piiEncKeyVersion: 3, piiHashKey: HASH_KEY }),
        3,
      );
    });
  },
});

Deno.test({
  name: "pii re-encryption: every bytea column is a target or known not to hold personal data",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withPiiDb(async (sql) => {
      const columns = (await sql<{ c: string }[]>`
        select table_name || '.' || column_name as c from information_schema.columns
        where table_schema = current_schema() and data_type = 'bytea' order by 1`).map((r) => r.c);
      const targets = [
        ...ENCRYPTED_COLUMNS.flatMap((t) => t.columns.map((c) => `${t.table}.${c}`)),
        "gateway_credentials.value_enc",
      ];
      // not personal data under the PII key: avatar images (user_avatars.bytes)
      const notPii = ["user_avatars.bytes"];
      assert.deepEqual(columns, [...targets, ...notPii].sort());
    });
  },
});
