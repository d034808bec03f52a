/**
 * Investor fixtures of the lending tests: an investor ready to bid (real-name verified, custody account
 * open, a bank card, trade password {@link TEST_TRADE_PASSWORD}, a valid risk assessment of `level`, the
 * current risk disclosure confirmed, `balanceFen` available), and an open bid authorisation for a session.
 * @module
 */
import type { Db } from "../../db/tx.ts";
import { createSession, hashSessionId } from "../../domain/accounts/session.ts";
import { RISK_DISCLOSURE_VERSION } from "../../domain/investor/risk_disclosure.ts";
import { QUESTIONNAIRE_VERSION } from "../../domain/investor/risk_questionnaire.ts";
import type { Fen } from "../../domain/money/fen.ts";
import { TEST_TRADE_PASSWORD, withdrawalUser } from "../domain/payments/withdrawal_fixtures.ts";
import { testCipher } from "./forms.ts";

export { TEST_TRADE_PASSWORD };

/** What {@link bidReadyInvestor} accepts. */
export interface InvestorOptions {
  /** Available balance (default ¥100,000). */
  balanceFen?: Fen;
  /** Risk level of the assessment (default C5: every grade); `null`: never assessed. */
  level?: "C1" | "C2" | "C3" | "C4" | "C5" | null;
  /** Whether the current risk disclosure is confirmed (default true). */
  disclosure?: boolean;
  /** The assessment expired yesterday (default false). */
  expired?: boolean;
}

/** An investor ready to bid (see the module doc). */
export async function bidReadyInvestor(
  sql: Db,
  options: InvestorOptions = {},
): Promise<{ userId: string; phone: string; cardId: string }> {
  const u = await withdrawalUser(sql, options.balanceFen ?? 10_000_000n);
  const idNumber = `11010119900101${u.userId.padStart(4, "0").slice(-4)}`;
  await sql`
    update users set real_name_enc = ${await testCipher.encrypt("张三")},
      id_number_enc = ${await testCipher.encrypt(idNumber)},
      id_number_hash = ${"test-" + crypto.randomUUID()}, real_name_hash = ${"test-" + crypto.randomUUID()},
      identity_verified_at = now()
    where id = ${u.userId}`;
  const level = options.level === undefined ? "C5" : options.level;
  if (level) {
    const assessedAt = options.expired ? new Date(Date.now() - 400 * 86_400_000) : new Date();
    const expiresAt = options.expired
      ? new Date(Date.now() - 86_400_000)
      : new Date(Date.now() + 365 * 86_400_000);
    await sql`
      insert into risk_assessments (user_id, questionnaire_version, answers, score, level, assessed_at, expires_at)
      values (${u.userId}, ${QUESTIONNAIRE_VERSION}, '{}'::jsonb, 50, ${level}, ${assessedAt}, ${expiresAt})`;
  }
  if (options.disclosure !== false) {
    await sql`
      insert into risk_disclosure_acceptances (user_id, version) values (${u.userId}, ${RISK_DISCLOSURE_VERSION})`;
  }
  return u;
}

/** A session of the user with an open bid authorisation of `capFen` (10 minutes); returns the session id. */
export async function sessionWithBidAuthorisation(
  sql: Db,
  userId: string,
  capFen: Fen = 100_000_000n,
): Promise<string> {
  const { sessionId } = await createSession(sql, {
    subjectType: "user",
    subjectId: userId,
    ip: null,
    userAgent: null,
  });
  await sql`
    insert into bid_authorisations (user_id, session_hash, cap_fen, expires_at, created_at)
    values (${userId}, ${await hashSessionId(sessionId)}, ${capFen}, now() + interval '10 minutes', now())`;
  return sessionId;
}
