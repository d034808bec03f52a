/**
 * Demo data of the investor side (demo mode only, called by db/seed.ts; idempotent): the first two demo
 * investors have a valid risk assessment (C3 平衡 and C4 成长) and have confirmed the risk disclosure; the
 * second and third were invited by the first and have verified their identity (so 邀请好友 lists them as
 * 已实名). No reward is credited: no invite rule is met by seeding.
 * @module
 */
import { type Db, transaction } from "../../db/tx.ts";
import type { PiiCipher } from "../accounts/pii.ts";
import { RISK_DISCLOSURE_VERSION } from "./risk_disclosure.ts";
import { assessmentExpiry, QUESTIONNAIRE_VERSION, QUESTIONS, scoreAnswers } from "./risk_questionnaire.ts";

/** Answers choosing, in each question, the option at `index` (clamped to the last). */
function answersAt(index: number): Record<string, string> {
  return Object.fromEntries(
    QUESTIONS.map((q) => [q.id, q.options[Math.min(index, q.options.length - 1)].id]),
  );
}

/** Seed the investor-side demo data for the demo investors' phones (in order). */
export async function seedInvestorDemo(
  db: Db,
  cipher: PiiCipher,
  investorPhones: readonly string[],
): Promise<void> {
  const ids: string[] = [];
  for (const phone of investorPhones) {
    const [row] = await db<{ id: string }[]>`
      select id from users where phone_hash = ${await cipher.hash(phone)} and kind = 'investor'`;
    if (row) ids.push(row.id);
  }
  if (ids.length === 0) return;
  await transaction(db, async (tx) => {
    for (const [i, userId] of ids.slice(0, 2).entries()) {
      const [has] = await tx`select 1 from risk_assessments where user_id = ${userId} limit 1`;
      if (!has) {
        const scored = scoreAnswers(answersAt(i === 0 ? 2 : 3));
        if (!scored.ok) throw new Error("demo answers are incomplete");
        const now = new Date();
        await tx`
          insert into risk_assessments (user_id, questionnaire_version, answers, score, level, assessed_at,
            expires_at)
          values (${userId}, ${QUESTIONNAIRE_VERSION}, ${tx.json(scored.answers)}, ${scored.score},
            ${scored.level}, ${now}, ${assessmentExpiry(now)})`;
      }
      await tx`
        insert into risk_disclosure_acceptances (user_id, version) values (${userId}, ${RISK_DISCLOSURE_VERSION})
        on conflict do nothing`;
    }
    for (const invitee of ids.slice(1)) {
      await tx`update users set invited_by = ${ids[0]} where id = ${invitee} and invited_by is null`;
      await tx`
        insert into referral_milestones (invitee_id, milestone) values (${invitee}, 'identity_verified')
        on conflict do nothing`;
    }
  });
}
