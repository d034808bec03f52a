/**
 * Step 5: the borrower confirms the application and signs the credit-report authorisation (征信查询授权)
 * with the trade password ({@link submitApplication}); the automatic review (domain/risk) decides at once
 * between `auto_rejected` and `manual_review`. After staff ask for more material (`more_info`) the borrower
 * adds documents and sends it back to review ({@link resubmitApplication}).
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, transaction } from "../../db/tx.ts";
import type { PiiCipher } from "../accounts/pii.ts";
import {
  checkTradePassword,
  TRADE_PASSWORD_MESSAGES,
  TRADE_PASSWORD_PATTERN,
  tradePasswordErrorMessage,
} from "../accounts/trade_password.ts";
import type { Gateways } from "../gateways/mod.ts";
import { notify } from "../messaging/notifications.ts";
import type { Fen } from "../money/fen.ts";
import { formatFen } from "../money/format.ts";
import { autoReviewApplication, gatherRiskSignals } from "../risk/mod.ts";
import { isId } from "../shared/ids.ts";
import {
  APPLICATION_MESSAGES,
  borrowerEligibility,
  eligibilityProblem,
  getApplication,
  type LoanApplication,
} from "./application.ts";
import { checkBorrowingCap, outstandingPrincipalFen } from "./caps.ts";
import { DOCUMENT_KIND_LABELS, listDocuments, missingDocuments } from "./documents.ts";

/** The version of the credit-report authorisation the borrower signs (stored with the signature). */
export const CREDIT_AUTHORISATION_VERSION = "credit-report-2026-01";

/** The authorisation's text, shown on the confirmation page. */
export const CREDIT_AUTHORISATION_TEXT =
  "本人授权本平台及其合作的征信机构，为审核本次借款申请及贷后管理之目的，查询、使用本人的个人信用报告及" +
  "其他平台借贷信息，并向依法设立的征信机构报送本人的借款及还款信息。本授权自签署之日起至本次借款全部结清之日止有效。";

/** Outcome of {@link submitApplication}. */
export type SubmitApplicationResult =
  | { ok: true; status: "auto_rejected" | "manual_review" }
  | { ok: false; code: "invalid_input"; fields: { tradePassword?: string[]; authorise?: string[] } }
  | { ok: false; code: "not_found" | "not_editable" | "not_verified" | "no_custody"; message: string }
  | { ok: false; code: "incomplete"; message: string }
  | { ok: false; code: "cap_exceeded"; message: string; overByFen: Fen };

/** Chinese messages of {@link submitApplication}'s refusals. */
export const SUBMIT_MESSAGES = {
  not_found: APPLICATION_MESSAGES.not_found,
  not_editable: "该申请已提交，请勿重复提交",
  not_verified: APPLICATION_MESSAGES.not_verified,
  no_custody: APPLICATION_MESSAGES.no_custody,
  authorise: "请阅读并同意《征信查询授权书》",
} as const;

/** What the application still lacks before it can be submitted (Chinese), or `null` when complete. */
export function incompleteReason(app: LoanApplication, documents: { kind: string }[]): string | null {
  if (app.amountFen === null || app.termCount === null || app.method === null || !app.purpose) {
    return "请先填写借款金额、期限、还款方式和用途";
  }
  if (!app.details.profile || (app.details.contacts ?? []).length < 2 || app.monthlyIncomeFen === null) {
    return "请先填写个人与工作信息及两位联系人";
  }
  if (app.borrowerKind === "business" && !app.details.business) return "请先填写企业信息";
  const missing = missingDocuments(app.borrowerKind, documents as { kind: never }[]);
  if (missing.length > 0) return `请先上传：${missing.map((k) => DOCUMENT_KIND_LABELS[k]).join("、")}`;
  return null;
}

/** What {@link submitApplication} needs. */
export interface SubmitDeps {
  gateways: Pick<Gateways, "creditBureau" | "blacklist">;
  pii: PiiCipher;
  outbox: Outbox;
  now?: Date;
}

/**
 * Submit the user's complete draft: checks the application (own, a draft, complete), the applicant
 * (verified, custody account open), the authorisation box and the trade password (its own short
 * transaction for the attempt counter — a wrong one changes nothing else); then gathers the risk signals
 * OUTSIDE any transaction (credit bureau, blacklist); then in ONE transaction locks the application,
 * re-checks it, checks both borrowing caps (this platform, and all platforms with the bureau's figure),
 * records the signature (authorised_at, submitted_at, status `submitted`, a `submitted` history row with
 * the authorisation's version), runs the automatic review (status → `auto_rejected` or `manual_review`)
 * and notifies the borrower.
 */
export async function submitApplication(
  db: Db,
  deps: SubmitDeps,
  input: {
    userId: string;
    applicationId: string;
    tradePassword: string;
    authorise: boolean;
    ip: string | null;
    deviceId: string | null;
  },
): Promise<SubmitApplicationResult> {
  const now = deps.now ?? new Date();
  const app = isId(input.applicationId) ? await getApplication(db, input.applicationId) : null;
  if (!app || app.userId !== input.userId) {
    return { ok: false, code: "not_found", message: SUBMIT_MESSAGES.not_found };
  }
  if (app.status !== "draft") {
    return { ok: false, code: "not_editable", message: SUBMIT_MESSAGES.not_editable };
  }
  const incomplete = incompleteReason(app, await listDocuments(db, app.id));
  if (incomplete) return { ok: false, code: "incomplete", message: incomplete };
  const problem = eligibilityProblem(await borrowerEligibility(db, input.userId));
  if (problem) return { ok: false, code: problem, message: SUBMIT_MESSAGES[problem] };
  const fields: { tradePassword?: string[]; authorise?: string[] } = {};
  if (!input.authorise) fields.authorise = [SUBMIT_MESSAGES.authorise];
  if (input.tradePassword === "") fields.tradePassword = [TRADE_PASSWORD_MESSAGES.required];
  else if (!TRADE_PASSWORD_PATTERN.test(input.tradePassword)) {
    fields.tradePassword = [TRADE_PASSWORD_MESSAGES.format];
  }
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };
  const check = await checkTradePassword(db, {
    userId: input.userId,
    password: input.tradePassword,
    ip: input.ip,
  }, {
    now,
  });
  if (!check.ok) {
    return {
      ok: false,
      code: "invalid_input",
      fields: { tradePassword: [tradePasswordErrorMessage(check, now)] },
    };
  }

  // outside any transaction: the credit bureau and the blacklist
  const signals = await gatherRiskSignals(db, { ...deps.gateways, pii: deps.pii }, {
    userId: input.userId,
    applicationId: app.id,
    now,
  });
  const otherPlatformsFen = signals.bureau ? BigInt(signals.bureau.otherPlatformOutstandingFen) : null;

  return await transaction(db, async (tx): Promise<SubmitApplicationResult> => {
    const [row] = await tx<{ status: string }[]>`
      select status from loan_applications where id = ${app.id} for update`;
    if (row.status !== "draft") {
      return { ok: false, code: "not_editable", message: SUBMIT_MESSAGES.not_editable };
    }
    const locked = (await getApplication(tx, app.id))!;
    const stillIncomplete = incompleteReason(locked, await listDocuments(tx, app.id));
    if (stillIncomplete) return { ok: false, code: "incomplete", message: stillIncomplete };
    const cap = checkBorrowingCap({
      borrowerKind: locked.borrowerKind,
      outstandingFen: await outstandingPrincipalFen(tx, input.userId),
      requestFen: locked.amountFen!,
      otherPlatformsFen,
    });
    if (!cap.ok) return { ok: false, code: "cap_exceeded", message: cap.message, overByFen: cap.overByFen };
    await tx`
      update loan_applications set status = 'submitted', step = 5, authorised_at = ${now}, submitted_at = ${now},
        ip = coalesce(${input.ip?.slice(0, 64) ?? null}, ip),
        device_id = coalesce(${input.deviceId?.slice(0, 100) ?? null}, device_id), updated_at = ${now}
      where id = ${app.id}`;
    await tx`
      insert into loan_events (application_id, kind, detail, created_at)
      values (${app.id}, 'submitted', ${
      tx.json({
        authorisation: CREDIT_AUTHORISATION_VERSION,
        amountFen: String(locked.amountFen),
        bureauAvailable: signals.bureau !== null,
      })
    }, ${now})`;
    const review = await autoReviewApplication(tx, { applicationId: app.id, signals });
    const status = review.outcome === "reject" ? "auto_rejected" : "manual_review";
    await notify(tx, deps.outbox, {
      userId: input.userId,
      kind: "generic",
      key: `application-submitted-${app.id}`,
      payload: status === "auto_rejected"
        ? {
          title: "借款申请未通过",
          body: `很抱歉，您申请的${locked.productName} ${
            formatFen(locked.amountFen!)
          } 未通过系统审核。您可在「我的借款申请」查看详情。`,
        }
        : {
          title: "借款申请已提交",
          body: `您申请的${locked.productName} ${
            formatFen(locked.amountFen!)
          } 已提交，正在审核中，审核结果将通过消息通知您。`,
        },
    });
    return { ok: true, status };
  });
}

/** Outcome of {@link resubmitApplication}. */
export type ResubmitApplicationResult =
  | { ok: true }
  | { ok: false; code: "not_found" | "not_more_info" | "incomplete"; message: string };

/**
 * After staff asked for more material (`more_info`), the borrower sends the application back to manual
 * review (status `manual_review`, a `resubmitted` history row, a notification).
 */
export async function resubmitApplication(
  db: Db,
  deps: { outbox: Outbox; now?: Date },
  input: { userId: string; applicationId: string },
): Promise<ResubmitApplicationResult> {
  if (!isId(input.applicationId)) return { ok: false, code: "not_found", message: SUBMIT_MESSAGES.not_found };
  const now = deps.now ?? new Date();
  return await transaction(db, async (tx): Promise<ResubmitApplicationResult> => {
    const [row] = await tx<{ userId: string; status: string }[]>`
      select user_id as "userId", status from loan_applications where id = ${input.applicationId} for update`;
    if (!row || String(row.userId) !== input.userId) {
      return { ok: false, code: "not_found", message: SUBMIT_MESSAGES.not_found };
    }
    if (row.status !== "more_info") {
      return { ok: false, code: "not_more_info", message: "该申请当前不需要补充材料" };
    }
    await tx`
      update loan_applications set status = 'manual_review', updated_at = ${now} where id = ${input.applicationId}`;
    await tx`
      insert into loan_events (application_id, kind, detail, created_at)
      values (${input.applicationId}, 'resubmitted', '{}', ${now})`;
    await notify(tx, deps.outbox, {
      userId: input.userId,
      kind: "generic",
      key: `application-resubmitted-${input.applicationId}-${now.getTime()}`,
      payload: {
        title: "补充材料已提交",
        body: "您补充的材料已提交，审核人员将尽快处理，结果将通过消息通知您。",
      },
    });
    return { ok: true };
  });
}
