import type { AuditVerifyResult } from "../../domain/staff/audit_log.ts";

const VERIFY_REASONS: Record<string, string> = {
  prev_hash_mismatch: "前序哈希不一致（记录被删除、插入或重排）",
  hash_mismatch: "记录内容与哈希不符（记录被篡改）",
};

/**
 * 哈希链校验: before a check, a button that reloads the page (keeping its filters) with `verify=1`; after
 * it, 「哈希链校验通过（N 条）」 or the first row where the chain broke and why.
 */
export function AuditVerify(props: { verify: AuditVerifyResult | null; url: URL }) {
  const { verify, url } = props;
  return (
    <section class="card audit-verify">
      <h2>哈希链校验</h2>
      <p class="muted">
        每条记录保存上一条记录的哈希，任何删除、插入或修改都会使校验失败。
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
        ? <p class="form-ok" role="status">哈希链校验通过（{verify.rows} 条）</p>
        : (
          <p class="form-error" role="alert">
            哈希链校验失败：第 {verify.brokenAtId} 号记录，{VERIFY_REASONS[verify.reason]}
          </p>
        )}
    </section>
  );
}
