/**
 * The sandbox credit bureau: answers the documented special ID numbers and names of
 * `domain/gateways/credit_bureau.ts`, and a clean report derived from a hash of the ID number for everyone
 * else (the same ID number always gets the same report). Pure and stateless.
 * @module
 */
import {
  type CreditBureauGateway,
  type CreditReport,
  SANDBOX_BUREAU_HIGH_DEBT_ID,
  SANDBOX_BUREAU_HIGH_DEBT_NAME,
  SANDBOX_BUREAU_OVERDUE_ID,
  SANDBOX_BUREAU_OVERDUE_NAME,
  SANDBOX_BUREAU_UNAVAILABLE_ID,
  SANDBOX_BUREAU_UNAVAILABLE_NAME,
} from "../domain/gateways/credit_bureau.ts";

/** FNV-1a 32-bit hash of a string (deterministic, for the sandbox's made-up figures). */
export function sandboxHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The report the sandbox gives an ordinary ID number (no special case). */
export function sandboxCleanReport(idNumber: string, requestId: string): CreditReport {
  const h = sandboxHash(idNumber);
  const thousands = h % 50; // ¥0 – ¥49,000
  return {
    otherPlatformOutstandingFen: BigInt(thousands) * 100_000n,
    otherPlatformLoanCount: thousands === 0 ? 0 : 1 + ((h >>> 8) % 3),
    overdueCount6m: 0,
    maxOverdueDays6m: 0,
    queriesLastMonth: (h >>> 16) % 4,
    reportReference: `sandbox-cr-${requestId}`,
    reportedAt: new Date(),
  };
}

/** The sandbox credit bureau. */
export function createSandboxCreditBureau(): CreditBureauGateway {
  return {
    name: "sandbox",
    // deno-lint-ignore require-await
    async fetchReport({ realName, idNumber, requestId }) {
      if (idNumber === SANDBOX_BUREAU_UNAVAILABLE_ID || realName === SANDBOX_BUREAU_UNAVAILABLE_NAME) {
        return { ok: false, code: "unavailable", message: "征信服务暂时不可用" };
      }
      const report = sandboxCleanReport(idNumber, requestId);
      if (idNumber === SANDBOX_BUREAU_HIGH_DEBT_ID || realName === SANDBOX_BUREAU_HIGH_DEBT_NAME) {
        return {
          ok: true,
          report: {
            ...report,
            otherPlatformOutstandingFen: 120_000_000n,
            otherPlatformLoanCount: 8,
            queriesLastMonth: 7,
          },
        };
      }
      if (idNumber === SANDBOX_BUREAU_OVERDUE_ID || realName === SANDBOX_BUREAU_OVERDUE_NAME) {
        return { ok: true, report: { ...report, overdueCount6m: 3, maxOverdueDays6m: 45 } };
      }
      return { ok: true, report };
    },
    // deno-lint-ignore require-await
    async ping() {
      return { ok: true, message: "沙箱征信通道正常（报告由身份证号确定性生成，不查询真实征信）" };
    },
  };
}
