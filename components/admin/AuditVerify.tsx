import { AUDIT_VERIFY_REASONS, type AuditVerifyResult } from "../../domain/staff/audit_log.ts";

/**
 * 哈希链校验: before a check, a button that reloads the page (keeping its filters) with `verify=1`; after
 * it, 「哈希链校验通过（N 条）」 with the number of published anchors checked, or the first row where the
 * chain broke and why — for an anchor, which one (day, id, hash).
 */
export function AuditVerify(props: { verify: AuditVerifyResult | null; url: URL }) {
  const { verify, url } = props;
  return (
    <section class="card audit-verify">
      <h2>哈希链校验</h2>
      <p class="muted">
        每条记录保存上一条记录的哈希，任何删除、插入或修改都会使校验失败；每天发布到数据库之外的链头锚点
        还能发现被整体重算的哈希链。
      </p>
      {verify === null
        ? (
          <form method="get" action="/admin/audit">
            {[...url.searchParams].filter(([k]) => k !== "verify").map(([k, v]) => (
              <input type="hidden" name={k} value={v} />
            ))}
            <input type="hidden" name="verify" value="1" />
            <button class="btn" type="submit">校验哈希链</button>
          </form>
        )
        : verify.ok
        ? (
          <p class="form-ok" role="status">
            哈希链校验通过（{verify.rows} 条，核对锚点 {verify.anchorsChecked ?? 0} 个）
            {verify.anchorsOtherDatabases
              ? `；另有 ${verify.anchorsOtherDatabases} 个锚点属于其他数据库，未核对`
              : ""}
          </p>
        )
        : (
          <p class="form-error" role="alert">
            哈希链校验失败：第 {verify.brokenAtId} 号记录，{AUDIT_VERIFY_REASONS[verify.reason]}
            {verify.reason === "anchor_mismatch" && (
              <>
                ——锚点 {verify.anchor.day}（发布于 {verify.anchor.at}，哈希{" "}
                {verify.anchor.hash?.slice(0, 16)}…）
                {verify.found ? "与库中该行的哈希不同" : "所指的记录已不存在"}
              </>
            )}
          </p>
        )}
    </section>
  );
}
