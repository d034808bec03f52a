/**
 * The page markup of `/admin/collections/[loanId]`.
 * @module
 */
import { CsrfField } from "../Field.tsx";
import {
  type CollectionDetail,
  CONTACT_CHANNELS,
  CONTACT_RESULTS,
} from "../../domain/lending/collections.ts";
import { formatFen } from "../../domain/money/format.ts";
import { formatShanghaiDateTime } from "../../domain/shared/shanghai_time.ts";

/** Data of {@link CollectionDetailPage}. */
export interface CollectionDetailData {
  detail: CollectionDetail;
  collectors: { id: string; name: string }[];
  notice: string | null;
  errors: Record<string, string[]>;
  message: string | null;
  values: Record<string, string>;
  staffId: string;
}

const INSTALLMENT_STATUS: Record<string, string> = {
  pending: "待还",
  overdue: "逾期",
  paid: "已还",
  written_off: "已核销",
};

function FieldError(props: { errors: Record<string, string[]>; name: string }) {
  const e = props.errors[props.name]?.[0];
  return e ? <p class="field-error" role="alert" id={`e-${props.name}`}>{e}</p> : null;
}

/** The whole page. */
export function CollectionDetailPage({ data, csrfToken }: { data: CollectionDetailData; csrfToken: string }) {
  const d = data.detail;
  const pending = d.proposals.find((p) => p.status === "pending");
  const collectible = d.status === "overdue" || d.status === "accelerated";
  return (
    <>
      <h1>催收详情 #{d.loanId} {d.title}</h1>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      {data.message && <p class="form-error" role="alert">{data.message}</p>}
      <p>
        状态：{d.status}；借款金额 {formatFen(d.amountFen)}；出借人 {d.investorCount} 位；借款人{" "}
        <a href={`/admin/users/${d.borrowerId}`}>#{d.borrowerId}</a>
        {d.acceleratedAt && <>；加速到期于 {formatShanghaiDateTime(d.acceleratedAt)}</>}
      </p>
      <section aria-labelledby="inst-title">
        <h2 id="inst-title">还款计划</h2>
        <table class="data admin-table">
          <thead>
            <tr>
              <th>期数</th>
              <th>到期日</th>
              <th>尚欠（含罚息）</th>
              <th>累计罚息</th>
              <th>状态</th>
            </tr>
          </thead>
          <tbody>
            {d.installments.map((i) => (
              <tr key={i.period}>
                <td>{i.period}</td>
                <td>{i.dueDate}</td>
                <td>{formatFen(i.owedFen)}</td>
                <td>{formatFen(i.penaltyFen)}</td>
                <td>{INSTALLMENT_STATUS[i.status] ?? i.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {collectible && (
        <section aria-labelledby="assign-title">
          <h2 id="assign-title">催收员</h2>
          <form method="post" class="inline-form">
            <CsrfField token={csrfToken} />
            <input type="hidden" name="intent" value="assign" />
            <label for="f-staffId">分配给</label>
            <select id="f-staffId" name="staffId">
              <option value="">未分配</option>
              {data.collectors.map((c) => (
                <option value={c.id} selected={c.id === d.assigneeId}>{c.name}</option>
              ))}
            </select>
            <button type="submit" class="btn">保存</button>
          </form>
        </section>
      )}
      <section aria-labelledby="notes-title">
        <h2 id="notes-title">催收记录</h2>
        {collectible && (
          <form method="post" class="stack">
            <CsrfField token={csrfToken} />
            <input type="hidden" name="intent" value="note" />
            <label for="f-contactedAt">联系时间</label>
            <input
              id="f-contactedAt"
              name="contactedAt"
              type="datetime-local"
              value={data.values.contactedAt ?? ""}
              required
            />
            <FieldError errors={data.errors} name="contactedAt" />
            <label for="f-channel">方式</label>
            <select id="f-channel" name="channel">
              {Object.entries(CONTACT_CHANNELS).map(([k, v]) => (
                <option value={k} selected={data.values.channel === k}>{v}</option>
              ))}
            </select>
            <FieldError errors={data.errors} name="channel" />
            <label for="f-result">结果</label>
            <select id="f-result" name="result">
              {Object.entries(CONTACT_RESULTS).map(([k, v]) => (
                <option value={k} selected={data.values.result === k}>{v}</option>
              ))}
            </select>
            <FieldError errors={data.errors} name="result" />
            <label for="f-promiseDate">承诺还款日期</label>
            <input id="f-promiseDate" name="promiseDate" type="date" value={data.values.promiseDate ?? ""} />
            <FieldError errors={data.errors} name="promiseDate" />
            <label for="f-note">备注</label>
            <textarea id="f-note" name="note" maxLength={500}>{data.values.note ?? ""}</textarea>
            <FieldError errors={data.errors} name="note" />
            <button type="submit" class="btn">添加记录</button>
          </form>
        )}
        <ul>
          {d.notes.map((n) => (
            <li key={n.id}>
              {formatShanghaiDateTime(n.contactedAt)} {CONTACT_CHANNELS[n.channel]} ·{" "}
              {CONTACT_RESULTS[n.result]}
              {n.promiseDate && <>· 承诺 {n.promiseDate} 还款</>} · {n.staff}
              {n.note && <>：{n.note}</>}
            </li>
          ))}
          {d.notes.length === 0 && <li class="muted">暂无记录</li>}
        </ul>
      </section>
      <section aria-labelledby="wo-title">
        <h2 id="wo-title">坏账核销</h2>
        <p class="muted">
          核销后借款及其全部债权记为坏账，未收回的本息由出借人自行承担；平台不对出借本金和收益提供任何担保。
          核销须由一位员工提出、另一位员工审批。
        </p>
        {pending
          ? (
            <div>
              <p>
                {pending.proposedBy} 于 {formatShanghaiDateTime(pending.proposedAt)}{" "}
                申请核销：{pending.reason}
              </p>
              {pending.proposedById === data.staffId
                ? <p class="muted">须由另一位员工审批。</p>
                : (
                  <form method="post" class="inline-form">
                    <CsrfField token={csrfToken} />
                    <input type="hidden" name="proposalId" value={pending.id} />
                    <button type="submit" name="intent" value="approve" class="btn">批准核销</button>
                    <button type="submit" name="intent" value="reject" class="btn btn-secondary">驳回</button>
                  </form>
                )}
            </div>
          )
          : collectible && (
            <form method="post" class="stack">
              <CsrfField token={csrfToken} />
              <input type="hidden" name="intent" value="propose" />
              <label for="f-reason">核销原因</label>
              <textarea id="f-reason" name="reason" maxLength={500} required>
                {data.values.reason ?? ""}
              </textarea>
              <FieldError errors={data.errors} name="reason" />
              <button type="submit" class="btn">申请核销</button>
            </form>
          )}
        <ul>
          {d.proposals.filter((p) => p.status !== "pending").map((p) => (
            <li key={p.id}>
              {formatShanghaiDateTime(p.proposedAt)} {p.proposedBy} 申请：{p.reason} —{" "}
              {p.status === "approved" ? "已批准" : "已驳回"}（{p.decidedBy}）
            </li>
          ))}
        </ul>
      </section>
      <p>
        <a href="/admin/collections">返回催收列表</a>
      </p>
    </>
  );
}
