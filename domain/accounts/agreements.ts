/**
 * The documents a user accepts at sign-up (《用户协议》 and 《隐私政策》), their current versions, and the
 * record of acceptance (`user_agreements`: user, document, version, time, IP).
 *
 * Publishing a new version: add it here (new `version` string); users whose latest acceptance is older
 * are asked again ({@link missingAgreements}).
 */
import type { Queryable } from "../../db/tx.ts";

/** Document identifiers, as stored in `user_agreements.document`. */
export type AgreementDocument = "user_agreement" | "privacy_policy";

/** One document version. */
export interface AgreementVersion {
  document: AgreementDocument;
  /** Version string, e.g. the effective date. */
  version: string;
  /** Title shown to the user, with the Chinese book-title marks. */
  title: string;
  /** Where the page shows the text. */
  href: string;
  /** Effective date, ISO `YYYY-MM-DD`. */
  effectiveDate: string;
}

/** The current version of every document a user must accept. */
export const CURRENT_AGREEMENTS: Readonly<Record<AgreementDocument, AgreementVersion>> = {
  user_agreement: {
    document: "user_agreement",
    version: "2026-01-01",
    title: "《用户协议》",
    href: "/help/user-agreement",
    effectiveDate: "2026-01-01",
  },
  privacy_policy: {
    document: "privacy_policy",
    version: "2026-01-01",
    title: "《隐私政策》",
    href: "/help/privacy-policy",
    effectiveDate: "2026-01-01",
  },
};

/** The current versions as a list (stable order: user agreement, privacy policy). */
export function currentAgreements(): AgreementVersion[] {
  return [CURRENT_AGREEMENTS.user_agreement, CURRENT_AGREEMENTS.privacy_policy];
}

/**
 * Record that a user accepted the current version of every document. Idempotent (an acceptance already
 * recorded is kept with its first time).
 */
export async function recordAgreementAcceptance(
  db: Queryable,
  input: { userId: string; ip: string | null; now?: Date },
): Promise<void> {
  const now = input.now ?? new Date();
  for (const a of currentAgreements()) {
    await db`
      insert into user_agreements (user_id, document, version, accepted_at, ip)
      values (${input.userId}, ${a.document}, ${a.version}, ${now}, ${input.ip})
      on conflict (user_id, document, version) do nothing`;
  }
}

/** One recorded acceptance of a document version. */
export interface AcceptedAgreement {
  document: AgreementDocument;
  version: string;
  acceptedAt: Date;
}

/** The most acceptances {@link listAcceptedAgreements} returns. */
export const MAX_ACCEPTED_AGREEMENTS = 20;

/**
 * The document versions a user accepted, latest first (at most `limit`, 1–{@link MAX_ACCEPTED_AGREEMENTS},
 * default {@link MAX_ACCEPTED_AGREEMENTS}).
 */
export async function listAcceptedAgreements(
  db: Queryable,
  userId: string,
  limit: number = MAX_ACCEPTED_AGREEMENTS,
): Promise<AcceptedAgreement[]> {
  const n = Math.min(MAX_ACCEPTED_AGREEMENTS, Math.max(1, Math.trunc(limit) || 1));
  return await db<AcceptedAgreement[]>`
    select document, version, accepted_at as "acceptedAt" from user_agreements
    where user_id = ${userId} order by accepted_at desc, document desc limit ${n}`;
}

/** The current documents the user has not accepted yet (empty when up to date). */
export async function missingAgreements(db: Queryable, userId: string): Promise<AgreementVersion[]> {
  const rows = await db<{ document: AgreementDocument; version: string }[]>`
    select document, version from user_agreements where user_id = ${userId}`;
  const accepted = new Set(rows.map((r) => `${r.document}@${r.version}`));
  return currentAgreements().filter((a) => !accepted.has(`${a.document}@${a.version}`));
}
