/**
 * The look-ups 我的账户 and registration use: `isPhoneRegistered`, `getAccountProfile` (domain/user.ts)
 * and `listAcceptedAgreements` (domain/agreements.ts).
 */
import assert from "node:assert/strict";
import { CURRENT_AGREEMENTS, listAcceptedAgreements } from "../../../domain/accounts/agreements.ts";
import { getAccountProfile, isPhoneRegistered } from "../../../domain/accounts/user.ts";
import { dbTest, randomPhone } from "../../helpers/db.ts";
import { createUser, testCipher } from "../../helpers/forms.ts";

dbTest("isPhoneRegistered: true for a registered phone's hash only", async (sql) => {
  const user = await createUser(sql);
  assert.equal(await isPhoneRegistered(sql, await testCipher.hash(user.phone)), true);
  assert.equal(await isPhoneRegistered(sql, await testCipher.hash(randomPhone())), false);
  assert.equal(await isPhoneRegistered(sql, user.phone), false, "the plain number is not a look-up key");
});

dbTest("getAccountProfile: registration time and invite code; null for no such user", async (sql) => {
  const user = await createUser(sql, "borrower");
  const profile = await getAccountProfile(sql, user.userId);
  assert.ok(profile);
  assert.ok(profile.createdAt instanceof Date);
  assert.ok(Math.abs(profile.createdAt.getTime() - Date.now()) < 60_000);
  assert.match(profile.inviteCode ?? "", /^[A-Z2-9]{8}$/);
  assert.equal(await getAccountProfile(sql, "999999999999"), null);
});

dbTest("listAcceptedAgreements: the user's own acceptances, latest first, bounded", async (sql) => {
  const user = await createUser(sql);
  const other = await createUser(sql);
  const mine = await listAcceptedAgreements(sql, user.userId);
  assert.deepEqual(
    mine.map((a) => [a.document, a.version]).sort(),
    Object.values(CURRENT_AGREEMENTS).map((a) => [a.document, a.version]).sort(),
  );
  for (const a of mine) assert.ok(a.acceptedAt instanceof Date);
  assert.equal((await listAcceptedAgreements(sql, user.userId, 1)).length, 1);
  assert.equal((await listAcceptedAgreements(sql, user.userId, 0)).length, 1, "at least one");
  await sql`
    update user_agreements set accepted_at = accepted_at - interval '1 day'
    where user_id = ${other.userId} and document = 'user_agreement'`;
  const [latest] = await listAcceptedAgreements(sql, other.userId, 1);
  assert.equal(latest.document, "privacy_policy", "the most recent acceptance first");
});
