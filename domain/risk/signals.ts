/**
 * Risk signals (风控信号) of one application, gathered OUTSIDE any transaction because they call the
 * outside systems: the applicant's verified identity (age), the credit bureau's report, the external
 * blacklist, the platform's internal blacklist, and device / IP clustering over the last 7 days. A bureau
 * or blacklist that does not answer gives `null` (the rule set sends such applications to manual review).
 * The automatic review (`auto_review.ts`) then runs inside the submitting transaction on these signals.
 * @module
 */
import type { Queryable } from "../../db/tx.ts";
import type { PiiCipher } from "../accounts/pii.ts";
import type { Gateways } from "../gateways/mod.ts";
import { ageOn, shanghaiDateOf } from "../identity/id_number.ts";
import { getVerifiedIdentity } from "../identity/identity.ts";
import type { Fen } from "../money/fen.ts";
import { isId } from "../shared/ids.ts";

/** The window of the device and IP signals. */
export const CLUSTER_WINDOW_DAYS = 7;

/** What the credit bureau reported (absent → `RiskSignals.bureau` is `null`). */
export interface BureauSignal {
  otherPlatformOutstandingFen: Fen;
  otherPlatformLoanCount: number;
  overdueCount6m: number;
  maxOverdueDays6m: number;
  queriesLastMonth: number;
  reportReference: string;
}

/** The signals of one application. */
export interface RiskSignals {
  userId: string;
  applicationId: string;
  gatheredAt: Date;
  /** Whether the applicant has a verified identity (without one, age and bureau are unknown). */
  identityVerified: boolean;
  /** Full years on the gathering day (Asia/Shanghai), from the verified ID number. */
  applicantAge: number | null;
  /** The bureau report, or `null` when the bureau was unavailable (or the identity unknown). */
  bureau: BureauSignal | null;
  /** Why the bureau gave nothing (Chinese), when it did not. */
  bureauError: string | null;
  /** The external blacklist's answer, or `null` when it was unavailable. */
  externalBlacklist: { hit: boolean; sources: string[] } | null;
  /** The internal blacklist: active entries matching the applicant's ID number or phone. */
  internalBlacklist: { hit: boolean; entryIds: string[] };
  /** Other applicants who started an application from the same device within the window. */
  sameDeviceApplicants7d: number;
  /** Other applicants' applications from the same IP within the window. */
  sameIpApplications7d: number;
}

/** What {@link gatherRiskSignals} needs: the two risk gateways and the PII cipher (to read the identity). */
export type RiskSignalDeps = Pick<Gateways, "creditBureau" | "blacklist"> & { pii: PiiCipher };

/**
 * Gather the signals of an application (OUTSIDE any transaction: calls the credit bureau and the external
 * blacklist). Outside failures never throw: they give `null` signals.
 *
 * @throws {Error} when the application does not exist or is not the user's.
 */
export async function gatherRiskSignals(
  db: Queryable,
  deps: RiskSignalDeps,
  input: {
    userId: string;
    applicationId: string;
    now?: Date;
    /** The device and IP of the submission, when they may differ from the draft's stored ones. */
    deviceId?: string | null;
    ip?: string | null;
  },
): Promise<RiskSignals> {
  const now = input.now ?? new Date();
  if (!isId(input.userId) || !isId(input.applicationId)) throw new Error("gatherRiskSignals: bad ids");
  const [app] = await db<{ deviceId: string | null; ip: string | null }[]>`
    select device_id as "deviceId", ip from loan_applications
    where id = ${input.applicationId} and user_id = ${input.userId}`;
  if (!app) throw new Error(`gatherRiskSignals: application ${input.applicationId} not found for the user`);
  const deviceId = input.deviceId?.slice(0, 100) || app.deviceId;
  const ipAddress = input.ip?.slice(0, 64) || app.ip;
  const identity = await getVerifiedIdentity(db, deps.pii, input.userId);
  const requestId = `application:${input.applicationId}`;

  const [bureauResult, blacklistResult] = identity
    ? await Promise.all([
      deps.creditBureau.fetchReport({ realName: identity.realName, idNumber: identity.idNumber, requestId })
        .catch((e) => ({
          ok: false as const,
          code: "unavailable" as const,
          message: String(e?.message ?? e),
        })),
      deps.blacklist.check({ realName: identity.realName, idNumber: identity.idNumber, requestId })
        .catch((e) => ({
          ok: false as const,
          code: "unavailable" as const,
          message: String(e?.message ?? e),
        })),
    ])
    : [null, null];

  let applicantAge: number | null = null;
  if (identity) {
    const id = identity.idNumber;
    const birth = {
      year: Number(id.slice(6, 10)),
      month: Number(id.slice(10, 12)),
      day: Number(id.slice(12, 14)),
    };
    applicantAge = ageOn(birth, shanghaiDateOf(now));
  }

  const since = new Date(now.getTime() - CLUSTER_WINDOW_DAYS * 86_400_000);
  const [internal] = await db<{ ids: string[] | null }[]>`
    select array_agg(b.id::text order by b.id) as ids
    from users u join blacklist_entries b
      on b.removed_at is null
     and ((b.id_number_hash is not null and b.id_number_hash = u.id_number_hash)
       or (b.phone_hash is not null and b.phone_hash = u.phone_hash))
    where u.id = ${input.userId}`;
  const [device] = deviceId
    ? await db<{ n: bigint }[]>`
      select count(distinct user_id) as n from loan_applications
      where device_id = ${deviceId} and user_id <> ${input.userId} and created_at >= ${since}`
    : [{ n: 0n }];
  const [ip] = ipAddress
    ? await db<{ n: bigint }[]>`
      select count(*) as n from loan_applications
      where ip = ${ipAddress} and user_id <> ${input.userId} and created_at >= ${since}`
    : [{ n: 0n }];

  const entryIds = internal?.ids ?? [];
  return {
    userId: input.userId,
    applicationId: input.applicationId,
    gatheredAt: now,
    identityVerified: identity !== null,
    applicantAge,
    bureau: bureauResult?.ok
      ? {
        otherPlatformOutstandingFen: bureauResult.report.otherPlatformOutstandingFen,
        otherPlatformLoanCount: bureauResult.report.otherPlatformLoanCount,
        overdueCount6m: bureauResult.report.overdueCount6m,
        maxOverdueDays6m: bureauResult.report.maxOverdueDays6m,
        queriesLastMonth: bureauResult.report.queriesLastMonth,
        reportReference: bureauResult.report.reportReference,
      }
      : null,
    bureauError: bureauResult === null
      ? "未完成实名认证，无法查询征信"
      : bureauResult.ok
      ? null
      : bureauResult.message,
    externalBlacklist: blacklistResult?.ok
      ? { hit: blacklistResult.hit, sources: blacklistResult.sources }
      : null,
    internalBlacklist: { hit: entryIds.length > 0, entryIds },
    // small counts (applications within a week): safe as numbers
    sameDeviceApplicants7d: Number(device.n),
    sameIpApplications7d: Number(ip.n),
  };
}

/** The signals as stored in `risk_decisions.signals` (JSON: fen as numbers, dates as ISO strings). */
export function signalsToJson(s: RiskSignals): Record<string, unknown> {
  return {
    ...s,
    gatheredAt: s.gatheredAt.toISOString(),
    bureau: s.bureau
      ? { ...s.bureau, otherPlatformOutstandingFen: Number(s.bureau.otherPlatformOutstandingFen) }
      : null,
  };
}
