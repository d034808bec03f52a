/**
 * 出借协议 (the investment contract): a self-contained, printable HTML document per bid, and its SHA-256
 * (stored on the bid, shown to the investor, so a printed copy can be checked against the record).
 * Pure: the same input gives the same bytes. The template (`/loans/[id]/contract`) is the same document
 * with placeholders for the investor, amount and date.
 * @module
 */
import { createHash } from "node:crypto";
import { formatFen, formatRateMicros } from "../money/format.ts";
import type { Fen } from "../money/fen.ts";
import { computeSchedule, REPAYMENT_METHOD_LABELS, type RepaymentMethod } from "./schedule.ts";
import { PLATFORM_NAME } from "../shared/brand.ts";
import { formatShanghaiDateTime } from "../shared/shanghai_time.ts";

/** Version of the contract text (changes with the wording). */
export const CONTRACT_VERSION = "2026-12-01";

/** What a contract says. */
export interface ContractInput {
  /** The bid id, or null for the template. */
  contractNo: string | null;
  loanId: string;
  loanTitle: string;
  /** Masked borrower (张**, or 用户 1***). */
  borrowerLabel: string;
  /** Masked investor, or null for the template. */
  investorLabel: string | null;
  /** The bid amount, or null for the template. */
  amountFen: Fen | null;
  loanAmountFen: Fen;
  annualRateMicros: number;
  termCount: number;
  termUnit: "month" | "day";
  method: RepaymentMethod;
  interestManagementFeeMicros: number;
  purpose: string;
  /** Signing time, or null for the template. */
  signedAt: Date | null;
}

/** Escape text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** The term as words: 12个月, 30天. */
export function termLabel(count: number, unit: "month" | "day"): string {
  return unit === "month" ? `${count}个月` : `${count}天`;
}

/** The contract's HTML (a whole document with its own print styles; no script, no outside resource). */
export function renderContractHtml(c: ContractInput): string {
  const blank = "＿＿＿＿＿＿";
  const e = escapeHtml;
  let plan = "";
  if (c.amountFen !== null) {
    const s = computeSchedule({
      method: c.method,
      principalFen: c.amountFen,
      annualRateMicros: c.annualRateMicros,
      ...(c.termUnit === "month" ? { months: c.termCount } : { days: c.termCount }),
    });
    plan = `<h2>三、回款计划（按本协议出借金额计算）</h2><table><thead><tr><th>期数</th><th>应收本息</th>` +
      `<th>本金</th><th>利息</th></tr></thead><tbody>` +
      s.periods.map((p) =>
        `<tr><td>${p.period}</td><td>${formatFen(p.paymentFen)}</td><td>${formatFen(p.principalFen)}</td>` +
        `<td>${formatFen(p.interestFen)}</td></tr>`
      ).join("") +
      `</tbody><tfoot><tr><td>合计</td><td>${formatFen(s.totalPaymentFen)}</td><td>${
        formatFen(s.principalFen)
      }</td><td>${formatFen(s.totalInterestFen)}</td></tr></tfoot></table>`;
  }
  return `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>出借协议${
    c.contractNo ? ` No.${e(c.contractNo)}` : "（范本）"
  }</title><style>body{font:15px/1.7 system-ui,sans-serif;max-width:760px;margin:24px auto;padding:0 16px;` +
    `color:#222}table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:4px 6px;` +
    `text-align:right}td:first-child,th:first-child{text-align:left}@media print{body{margin:0}}</style>` +
    `</head><body><h1>出借协议${c.contractNo ? "" : "（范本）"}</h1>` +
    `<p>协议编号：${
      c.contractNo ? `L${e(c.loanId)}-B${e(c.contractNo)}` : blank
    }　版本：${CONTRACT_VERSION}</p>` +
    `<p>出借人（甲方）：${c.investorLabel ? e(c.investorLabel) : blank}</p>` +
    `<p>借款人（乙方）：${e(c.borrowerLabel)}</p>` +
    `<p>居间服务方（丙方）：${PLATFORM_NAME}</p>` +
    `<h2>一、借款信息</h2><table><tbody>` +
    `<tr><td>借款项目</td><td>${e(c.loanTitle)}（编号 ${e(c.loanId)}）</td></tr>` +
    `<tr><td>借款总额</td><td>${formatFen(c.loanAmountFen)}</td></tr>` +
    `<tr><td>借款用途</td><td>${e(c.purpose || "—")}</td></tr>` +
    `<tr><td>约定年化利率</td><td>${formatRateMicros(c.annualRateMicros)}</td></tr>` +
    `<tr><td>借款期限</td><td>${termLabel(c.termCount, c.termUnit)}</td></tr>` +
    `<tr><td>还款方式</td><td>${REPAYMENT_METHOD_LABELS[c.method]}</td></tr>` +
    `<tr><td>出借金额</td><td>${c.amountFen !== null ? formatFen(c.amountFen) : blank}</td></tr>` +
    `</tbody></table>` +
    `<h2>二、双方权利义务</h2><ol>` +
    `<li>甲方同意通过丙方平台向乙方出借上述金额，资金由银行存管账户冻结，满标并经放款审核后划转至乙方。</li>` +
    `<li>借款在投标截止时未满标的（流标），甲方冻结资金全额解冻，本协议自动终止。</li>` +
    `<li>起息日为放款日。乙方按还款计划还款，甲方按出借比例收取本息；丙方自甲方每期所收利息中收取 ${
      formatRateMicros(c.interestManagementFeeMicros)
    } 的利息管理费。</li>` +
    `<li>乙方逾期的，按平台规则计收罚息并开展催收；借款存在无法收回的风险，该风险由甲方自行承担，` +
    `丙方作为信息中介不对出借本金及收益作任何担保或承诺。</li>` +
    `<li>乙方提前还款的，按产品规则结算，甲方收取至提前还款日的利息。</li></ol>` +
    plan +
    `<h2>四、签署</h2><p>甲方以交易密码或投标授权确认出借，视为签署本协议。签署时间：${
      c.signedAt ? formatShanghaiDateTime(c.signedAt) : blank
    }</p><p>市场有风险，出借需谨慎。</p></body></html>`;
}

/** SHA-256 of a contract's UTF-8 bytes, lowercase hex. */
export function contractSha256(html: string): Promise<string> {
  // node:crypto, synchronously: the same digest as WebCrypto's, without its async round trip
  return Promise.resolve(createHash("sha256").update(html, "utf8").digest("hex"));
}

/** Mask a user for a contract or a bid list: 用户 1*** (the first digit of the id and stars). */
export function maskedUserLabel(userId: string): string {
  return `用户 ${userId.slice(0, 1)}${"*".repeat(Math.max(3, userId.length - 1))}`;
}
