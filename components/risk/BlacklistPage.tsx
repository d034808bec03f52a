/**
 * The page of `/admin/risk/blacklist`: search, the masked entries with a remove form each (and its error),
 * older entries, and the add form.
 * @module
 */
import { CsrfField, Field } from "../Field.tsx";
import { LocalTime } from "../LocalTime.tsx";
import type { BlacklistEntryView } from "../../domain/risk/blacklist.ts";

/** Data of {@link BlacklistPage}. */
export interface BlacklistPageData {
  rows: BlacklistEntryView[];
  nextBeforeId: string | null;
  query: string;
  includeRemoved: boolean;
  add: { idNumber: string; phone: string; reason: string };
  /** Errors of the add form, or of the remove form of one entry (`removeFor`). */
  errors: Record<string, string[]>;
  removeFor: string | null;
  notice: string | null;
}

/** The whole blacklist page. */
export function BlacklistPage({ data, csrfToken }: { data: BlacklistPageData; csrfToken: string }) {
  const addErrors = data.removeFor ? {} : data.errors;
  return (
    <>
      <h1>黑名单</h1>
      <p class="muted">
        内部黑名单按身份证号或手机号的密钥哈希匹配借款申请（命中即由规则处理），列表只显示掩码。
        外部黑名单在每次申请时通过第三方查询。加入与移除都须填写原因，并记入操作日志；移除的记录保留。
      </p>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      <form method="get" action="/admin/risk/blacklist" class="stack card" role="search">
        <Field
          name="q"
          label="按完整身份证号或手机号查询"
          value={data.query}
          maxLength={40}
          hint="精确匹配（哈希比对），不支持模糊查询"
        />
        <label class="choice">
          <input type="checkbox" name="all" value="1" checked={data.includeRemoved} /> 包含已移除的记录
        </label>
        <button type="submit" class="btn btn-secondary">查询</button>
      </form>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="黑名单（可左右滑动查看）">
        <table class="data admin-table">
          <thead>
            <tr>
              <th scope="col">身份证号</th>
              <th scope="col">手机号</th>
              <th scope="col">原因</th>
              <th scope="col">加入</th>
              <th scope="col">状态 / 操作</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.length === 0 && (
              <tr>
                <td colSpan={5}>{data.query ? "没有匹配的记录" : "暂无记录"}</td>
              </tr>
            )}
            {data.rows.map((r) => {
              const mine = data.removeFor === r.id ? data.errors : {};
              const msg = mine.removeReason?.[0] ?? mine.form?.[0] ?? mine.entryId?.[0];
              return (
                <tr data-entry={r.id}>
                  <td>{r.idNumberMask ?? "—"}</td>
                  <td>{r.phoneMask ?? "—"}</td>
                  <td>{r.reason}</td>
                  <td>
                    <LocalTime at={r.addedAt} withTime /> {r.addedByName ?? ""}
                  </td>
                  <td>
                    {r.removedAt
                      ? (
                        <span>
                          已移除 <LocalTime at={r.removedAt} withTime />{" "}
                          {r.removedByName ?? ""}：{r.removedReason}
                        </span>
                      )
                      : (
                        <form method="post" action="/admin/risk/blacklist" class="stack" novalidate>
                          <CsrfField token={csrfToken} />
                          <input type="hidden" name="intent" value="remove" />
                          <input type="hidden" name="entryId" value={r.id} />
                          <label for={`rm-${r.id}`}>移除原因</label>
                          <input
                            id={`rm-${r.id}`}
                            name="removeReason"
                            maxLength={200}
                            aria-invalid={msg ? "true" : undefined}
                            aria-describedby={msg ? `rm-${r.id}-error` : undefined}
                          />
                          {msg && <p class="field-error" id={`rm-${r.id}-error`} role="alert">{msg}</p>}
                          <button type="submit" class="btn btn-secondary">移除</button>
                        </form>
                      )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {data.nextBeforeId && (
        <p>
          <a
            href={`/admin/risk/blacklist?${new URLSearchParams({
              ...(data.query ? { q: data.query } : {}),
              ...(data.includeRemoved ? { all: "1" } : {}),
              before: data.nextBeforeId,
            })}`}
          >
            更早的记录
          </a>
        </p>
      )}
      <section class="card" aria-labelledby="add-title">
        <h2 id="add-title">加入黑名单</h2>
        {addErrors.form && <p class="form-error" role="alert">{addErrors.form[0]}</p>}
        <form method="post" action="/admin/risk/blacklist" class="stack" novalidate>
          <CsrfField token={csrfToken} />
          <input type="hidden" name="intent" value="add" />
          <Field
            name="idNumber"
            label="身份证号码"
            value={data.add.idNumber}
            maxLength={20}
            errors={addErrors.idNumber}
            hint="身份证号与手机号至少填一项"
          />
          <Field
            name="phone"
            label="手机号码"
            type="tel"
            inputMode="tel"
            value={data.add.phone}
            maxLength={20}
            errors={addErrors.phone}
          />
          <Field
            name="reason"
            label="原因"
            value={data.add.reason}
            maxLength={200}
            errors={addErrors.reason}
          />
          <button type="submit" class="btn">加入黑名单</button>
        </form>
      </section>
    </>
  );
}
