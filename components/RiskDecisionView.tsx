import type { RiskDecision } from "../domain/risk/auto_review.ts";
import { describeCondition, formatRuleValue, RULE_OUTCOME_LABELS } from "../domain/risk/rules.ts";
import { scoreAttributeLabel } from "../domain/risk/scorecard.ts";
import { LocalTime } from "./LocalTime.tsx";

function percent(micros: number): string {
  return `${(micros / 10_000).toFixed(2)}%`;
}

function yuan(fen: unknown): string {
  return typeof fen === "number" ? `${(fen / 100).toLocaleString("zh-CN")} 元` : "—";
}

/**
 * The automatic review's decision for the staff review page (server-rendered, no script): outcome, score,
 * grade and rate range, the decisive reasons, the credit-bureau and blacklist signals, and every rule
 * with its result (命中 / 未命中 / 无数据) under the rule-set version used.
 */
export function RiskDecisionView({ decision }: { decision: RiskDecision | null }) {
  if (!decision) {
    return (
      <section class="card" aria-labelledby="risk-decision-title">
        <h2 id="risk-decision-title">系统初审</h2>
        <p class="muted">暂无系统初审记录。</p>
      </section>
    );
  }
  const s = decision.signals as {
    applicantAge?: number | null;
    bureau?: Record<string, number | string> | null;
    bureauError?: string | null;
    externalBlacklist?: { hit: boolean; sources: string[] } | null;
    internalBlacklist?: { hit: boolean };
    sameDeviceApplicants7d?: number;
    sameIpApplications7d?: number;
  };
  return (
    <section class="card" aria-labelledby="risk-decision-title" data-decision={decision.id}>
      <h2 id="risk-decision-title">系统初审：{RULE_OUTCOME_LABELS[decision.outcome]}</h2>
      <p>
        信用评分 <strong>{decision.score}</strong>，等级{" "}
        <strong>{decision.grade}</strong>（{decision.riskLevel}）
        {decision.rateRange &&
          `，本产品该等级年利率区间 ${percent(decision.rateRange.minRateMicros)}–${
            percent(decision.rateRange.maxRateMicros)
          }`}
        。规则版本 v{decision.ruleSetVersion}，评分卡版本 v{decision.scorecardVersion}，
        <LocalTime at={decision.createdAt} withTime />。
      </p>
      {decision.reasons.length > 0 && (
        <ul class="risk-reasons">
          {decision.reasons.map((r, i) => <li key={i}>{r}</li>)}
        </ul>
      )}
      <dl class="risk-signals">
        <dt>年龄</dt>
        <dd>{s.applicantAge ?? "—"}</dd>
        <dt>征信</dt>
        <dd>
          {s.bureau
            ? `他平台余额 ${
              yuan(s.bureau.otherPlatformOutstandingFen)
            }，${s.bureau.otherPlatformLoanCount} 笔；近6个月逾期 ${s.bureau.overdueCount6m} 次，最长 ${s.bureau.maxOverdueDays6m} 天；近1个月查询 ${s.bureau.queriesLastMonth} 次`
            : `不可用${s.bureauError ? `（${s.bureauError}）` : ""}`}
        </dd>
        <dt>黑名单</dt>
        <dd>
          内部：{s.internalBlacklist?.hit ? "命中" : "未命中"}；外部：
          {s.externalBlacklist
            ? (s.externalBlacklist.hit ? `命中（${s.externalBlacklist.sources.join("、")}）` : "未命中")
            : "不可查询"}
        </dd>
        <dt>设备 / IP（7天）</dt>
        <dd>
          同设备其他申请人 {s.sameDeviceApplicants7d ?? 0} 人；同IP其他申请 {s.sameIpApplications7d ?? 0} 笔
        </dd>
      </dl>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="规则结果（可左右滑动查看）">
        <table class="data admin-table">
          <thead>
            <tr>
              <th scope="col">规则</th>
              <th scope="col">条件</th>
              <th scope="col">实际值</th>
              <th scope="col">结果</th>
              <th scope="col">命中时</th>
            </tr>
          </thead>
          <tbody>
            {decision.ruleResults.map((r) => (
              <tr data-rule={r.code} data-hit={r.hit ? "1" : "0"}>
                <td>{r.code} {r.description}</td>
                <td>{describeCondition(r)}</td>
                <td>{formatRuleValue(r.field, r.actual)}</td>
                <td>{r.hit ? <strong>命中</strong> : r.missing ? "无数据" : "未命中"}</td>
                <td>{RULE_OUTCOME_LABELS[r.outcome]}：{r.reasonCode}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {decision.scoreLines.length > 0 && (
        <details>
          <summary>评分明细</summary>
          <ul>
            {decision.scoreLines.map((l) => (
              <li>
                {scoreAttributeLabel(l.attribute)}：{formatRuleValue(l.attribute, l.value)} → {l.points} 分
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
