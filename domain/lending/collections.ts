/**
 * Collections (逾期催收, issue 7 §7) for staff with `collections.manage`: the queue of overdue and
 * accelerated loans by days overdue (buckets 1–30, 31–60, 61–90, 90+), assignment to a collector, contact
 * records (time, channel, result, promise-to-pay date, note), and write-off as bad debt (坏账核销) with four
 * eyes: one staff member proposes with a reason, a different one approves (or rejects). A written-off loan
 * and its claims become `written_off` with every unpaid row: **the investors bear the loss — the platform
 * guarantees neither principal nor interest** — and the investors are notified. Every action is audited.
 * @module
 */
import { z } from "zod";
import type { Outbox } from "../../db/outbox.ts";
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import { notify } from "../messaging/notifications.ts";
import type { Fen } from "../money/fen.ts";
import { formatFen } from "../money/format.ts";
import { isId } from "../shared/ids.ts";
import { formatShanghaiDate } from "../shared/shanghai_time.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { can, permissionsFor as permissionsOfRole } from "../staff/permissions.ts";

/** The staff member acting. */
export interface CollectionsActor {
  staff: Pick<SessionStaff, "id" | "permissions">;
  ip: string | null;
}

/** Days-overdue buckets of the queue. */
export const OVERDUE_BUCKETS = {
  "1-30": [1, 30],
  "31-60": [31, 60],
  "61-90": [61, 90],
  "90+": [91, 100_000],
} as const;
/** A bucket name. */
export type OverdueBucket = keyof typeof OVERDUE_BUCKETS;

/** Contact channels and their labels. */
export const CONTACT_CHANNELS = { phone: "电话", sms: "短信", visit: "上门", letter: "信函" } as const;
/** Contact results and their labels. */
export const CONTACT_RESULTS = {
  reached: "已联系上",
  unreachable: "无法联系",
  promised: "承诺还款",
  refused: "拒绝还款",
  other: "其他",
} as const;

/** Chinese messages of the refusals. */
export const COLLECTIONS_MESSAGES = {
  forbidden: "无权操作",
  not_found: "借款不存在或不在催收中",
  invalid_input: "请检查输入",
  proposal_pending: "该借款已有待审批的核销申请",
  not_pending: "该核销申请已处理",
  own_proposal: "核销须由另一位员工审批（四眼原则）",
  not_staff: "所选催收员不存在或已停用",
} as const;

/** Page size of the queue. */
export const COLLECTION_PAGE_SIZE = 50;

/** One row of the queue. */
export interface CollectionQueueRow {
  loanId: string;
  title: string;
  status: string;
  borrowerId: string;
  daysOverdue: number;
  overdueFen: Fen;
  remainingPrincipalFen: Fen;
  assignee: string | null;
  lastContactAt: Date | null;
  pendingWriteOff: boolean;
}

/** The queue (most days overdue first), optionally one bucket or one collector's cases. */
export async function listCollectionQueue(
  db: Queryable,
  filter: { bucket?: string; assigneeId?: string; page?: number } = {},
  now: Date = new Date(),
): Promise<{ rows: CollectionQueueRow[]; total: number }> {
  const today = formatShanghaiDate(now);
  const range = filter.bucket && filter.bucket in OVERDUE_BUCKETS
    ? OVERDUE_BUCKETS[filter.bucket as OverdueBucket]
    : [0, 100_000];
  const assignee = filter.assigneeId && isId(filter.assigneeId) ? filter.assigneeId : null;
  const page = Math.max(1, Math.min(Math.trunc(filter.page ?? 1), 1000));
  const rows = await db<(CollectionQueueRow & { total: bigint })[]>`
    with q as (
      select l.id, l.title, l.status, l.borrower_id,
        ${today}::date - min(li.due_date) filter (where li.status = 'overdue') as days,
        coalesce(sum(li.principal_fen - li.paid_principal_fen + li.interest_fen - li.paid_interest_fen
          + li.penalty_fen - li.paid_penalty_fen) filter (where li.status = 'overdue'), 0)::bigint as overdue,
        coalesce(sum(li.principal_fen - li.paid_principal_fen), 0)::bigint as principal
      from loans l join loan_installments li on li.loan_id = l.id and li.status in ('pending', 'overdue')
      where l.status in ('overdue', 'accelerated')
      group by l.id
    )
    select q.id::text as "loanId", q.title, q.status, q.borrower_id::text as "borrowerId",
      coalesce(q.days, 0) as "daysOverdue", q.overdue as "overdueFen", q.principal as "remainingPrincipalFen",
      s.display_name as assignee,
      (select max(n.contacted_at) from collection_notes n where n.loan_id = q.id) as "lastContactAt",
      exists (select 1 from write_off_proposals w where w.loan_id = q.id and w.status = 'pending') as "pendingWriteOff",
      count(*) over () as total
    from q left join collection_cases c on c.loan_id = q.id left join staff s on s.id = c.assigned_staff_id
    where coalesce(q.days, 0) between ${range[0]} and ${range[1]}
      and (${assignee}::bigint is null or c.assigned_staff_id = ${assignee}::bigint)
    order by coalesce(q.days, 0) desc, q.id
    limit ${COLLECTION_PAGE_SIZE} offset ${(page - 1) * COLLECTION_PAGE_SIZE}`;
  return {
    rows: rows.map(({ total: _t, ...r }) => ({ ...r, daysOverdue: Number(r.daysOverdue) })),
    total: Number(rows[0]?.total ?? 0),
  };
}

/** Staff who may collect (active, with collections.manage), for the assignment form. */
export async function listCollectors(db: Queryable): Promise<{ id: string; name: string }[]> {
  const rows = await db<{ id: string; name: string; role: string }[]>`
    select id::text as id, display_name as name, role from staff where status = 'active' order by id limit 500`;
  return rows.filter((r) => can({ permissions: permissionsOfRole(r.role) }, "collections.manage"))
    .map(({ id, name }) => ({ id, name }));
}

/** A loan's collection file for /admin/collections/[loanId]. */
export interface CollectionDetail {
  loanId: string;
  title: string;
  status: string;
  borrowerId: string;
  amountFen: Fen;
  acceleratedAt: Date | null;
  assigneeId: string | null;
  assignee: string | null;
  installments: {
    period: number;
    dueDate: string;
    owedFen: Fen;
    penaltyFen: Fen;
    status: string;
  }[];
  notes: {
    id: string;
    contactedAt: Date;
    channel: keyof typeof CONTACT_CHANNELS;
    result: keyof typeof CONTACT_RESULTS;
    promiseDate: string | null;
    note: string;
    staff: string;
  }[];
  proposals: {
    id: string;
    reason: string;
    status: string;
    proposedById: string;
    proposedBy: string;
    proposedAt: Date;
    decidedBy: string | null;
  }[];
  investorCount: number;
}

/** The collection file of a loan, or null. */
export async function collectionDetail(db: Queryable, loanId: string): Promise<CollectionDetail | null> {
  if (!isId(loanId)) return null;
  const [loan] = await db<
    Omit<CollectionDetail, "loanId" | "installments" | "notes" | "proposals" | "investorCount">[]
  >`
    select l.title, l.status, l.borrower_id::text as "borrowerId", l.amount_fen as "amountFen",
      l.accelerated_at as "acceleratedAt", c.assigned_staff_id::text as "assigneeId", s.display_name as assignee
    from loans l left join collection_cases c on c.loan_id = l.id left join staff s on s.id = c.assigned_staff_id
    where l.id = ${loanId}`;
  if (!loan) return null;
  const installments = await db<CollectionDetail["installments"]>`
    select period, to_char(due_date, 'YYYY-MM-DD') as "dueDate",
      (principal_fen - paid_principal_fen + interest_fen - paid_interest_fen + penalty_fen - paid_penalty_fen)
        as "owedFen", penalty_fen as "penaltyFen", status
    from loan_installments where loan_id = ${loanId} order by period limit 400`;
  const notes = await db<CollectionDetail["notes"]>`
    select n.id::text as id, n.contacted_at as "contactedAt", n.channel, n.result,
      to_char(n.promise_date, 'YYYY-MM-DD') as "promiseDate", n.note, s.display_name as staff
    from collection_notes n join staff s on s.id = n.staff_id
    where n.loan_id = ${loanId} order by n.id desc limit 100`;
  const proposals = await db<CollectionDetail["proposals"]>`
    select w.id::text as id, w.reason, w.status, w.proposed_by::text as "proposedById",
      p.display_name as "proposedBy", w.proposed_at as "proposedAt", d.display_name as "decidedBy"
    from write_off_proposals w join staff p on p.id = w.proposed_by left join staff d on d.id = w.decided_by
    where w.loan_id = ${loanId} order by w.id desc limit 20`;
  const [{ n }] = await db<
    { n: bigint }[]
  >`select count(distinct investor_id) as n from claims where loan_id = ${loanId}`;
  return { loanId, ...loan, installments, notes, proposals, investorCount: Number(n) };
}

type Result = { ok: true } | {
  ok: false;
  code: keyof typeof COLLECTIONS_MESSAGES;
  fields?: Record<string, string[]>;
};

const COLLECTIBLE = ["overdue", "accelerated"];

/** Assign (or unassign with an empty id) a loan's case to a collector. Audited `collections.assign`. */
export async function assignCollector(
  db: Db,
  actor: CollectionsActor,
  input: { loanId: string; staffId: string },
): Promise<Result> {
  if (!can(actor.staff, "collections.manage")) return { ok: false, code: "forbidden" };
  if (!isId(input.loanId)) return { ok: false, code: "not_found" };
  const staffId = input.staffId === "" ? null : input.staffId;
  if (staffId !== null && !isId(staffId)) return { ok: false, code: "not_staff" };
  return await transaction(db, async (tx): Promise<Result> => {
    const [loan] = await tx<
      { status: string }[]
    >`select status from loans where id = ${input.loanId} for update`;
    if (!loan || !COLLECTIBLE.includes(loan.status)) return { ok: false, code: "not_found" };
    if (staffId !== null) {
      const [s] = await tx<
        { role: string; status: string }[]
      >`select role, status from staff where id = ${staffId}`;
      if (!s || s.status !== "active" || !permissionsOfRole(s.role).has("collections.manage")) {
        return { ok: false, code: "not_staff" };
      }
    }
    await tx`insert into collection_cases (loan_id, assigned_staff_id, assigned_at) values (${input.loanId}, ${staffId}, now())
      on conflict (loan_id) do update set assigned_staff_id = excluded.assigned_staff_id, assigned_at = now()`;
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "collections.assign",
      target: `loan:${input.loanId}`,
      detail: { assignee: staffId },
      ip: actor.ip,
    });
    return { ok: true };
  });
}

const noteSchema = z.object({
  loanId: z.string().regex(/^[1-9]\d{0,18}$/),
  contactedAt: z.string().trim().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "请填写联系时间"),
  channel: z.enum(Object.keys(CONTACT_CHANNELS) as [keyof typeof CONTACT_CHANNELS], {
    error: "请选择联系方式",
  }),
  result: z.enum(Object.keys(CONTACT_RESULTS) as [keyof typeof CONTACT_RESULTS], { error: "请选择联系结果" }),
  promiseDate: z.string().trim().refine((v) => v === "" || /^\d{4}-\d{2}-\d{2}$/.test(v), "日期格式不正确"),
  note: z.string().trim().max(500, "备注最多 500 个字"),
});

/**
 * Record a contact with the borrower. `contactedAt` is Asia/Shanghai local time (`YYYY-MM-DDTHH:MM`, as a
 * datetime-local field sends it), not in the future; a promise to pay needs its date. Audited
 * `collections.note`.
 */
export async function addContactNote(
  db: Db,
  actor: CollectionsActor,
  input: {
    loanId: string;
    contactedAt: string;
    channel: string;
    result: string;
    promiseDate: string;
    note: string;
  },
  now: Date = new Date(),
): Promise<Result> {
  if (!can(actor.staff, "collections.manage")) return { ok: false, code: "forbidden" };
  const parsed = noteSchema.safeParse(input);
  const fields: Record<string, string[]> = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) (fields[String(issue.path[0])] ??= []).push(issue.message);
    return { ok: false, code: "invalid_input", fields };
  }
  const v = parsed.data;
  const at = new Date(`${v.contactedAt}:00+08:00`);
  if (Number.isNaN(at.getTime()) || at.getTime() > now.getTime() + 60_000) {
    fields.contactedAt = ["联系时间不能晚于现在"];
  }
  if (v.result === "promised" && v.promiseDate === "") fields.promiseDate = ["承诺还款须填写承诺日期"];
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };
  return await transaction(db, async (tx): Promise<Result> => {
    const [loan] = await tx<{ status: string }[]>`select status from loans where id = ${v.loanId}`;
    if (!loan || !COLLECTIBLE.includes(loan.status)) return { ok: false, code: "not_found" };
    await tx`insert into collection_notes (loan_id, staff_id, contacted_at, channel, result, promise_date, note)
      values (${v.loanId}, ${actor.staff.id}, ${at}, ${v.channel}, ${v.result}, ${
      v.promiseDate || null
    }, ${v.note})`;
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "collections.note",
      target: `loan:${v.loanId}`,
      detail: { channel: v.channel, result: v.result, promiseDate: v.promiseDate || null },
      ip: actor.ip,
    });
    return { ok: true };
  });
}

/** Propose writing a loan off as bad debt (reason 2–500 characters). Audited `collections.write_off_propose`. */
export async function proposeWriteOff(
  db: Db,
  actor: CollectionsActor,
  input: { loanId: string; reason: string },
): Promise<Result & { proposalId?: string }> {
  if (!can(actor.staff, "collections.manage")) return { ok: false, code: "forbidden" };
  const reason = input.reason.trim();
  if (Array.from(reason).length < 2 || Array.from(reason).length > 500) {
    return { ok: false, code: "invalid_input", fields: { reason: ["请填写核销原因（2–500 个字）"] } };
  }
  if (!isId(input.loanId)) return { ok: false, code: "not_found" };
  return await transaction(db, async (tx) => {
    const [loan] = await tx<
      { status: string }[]
    >`select status from loans where id = ${input.loanId} for update`;
    if (!loan || !COLLECTIBLE.includes(loan.status)) return { ok: false, code: "not_found" as const };
    const [row] = await tx<{ id: string }[]>`
      insert into write_off_proposals (loan_id, reason, proposed_by) values (${input.loanId}, ${reason}, ${actor.staff.id})
      on conflict (loan_id) where status = 'pending' do nothing returning id::text as id`;
    if (!row) return { ok: false, code: "proposal_pending" as const };
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "collections.write_off_propose",
      target: `loan:${input.loanId}`,
      detail: { proposalId: row.id, reason },
      ip: actor.ip,
    });
    return { ok: true as const, proposalId: row.id };
  });
}

/**
 * Approve or reject a write-off proposal — by a staff member other than its proposer. Approval writes the
 * loan off (see the module doc) and notifies every investor. Audited `collections.write_off_approve` /
 * `collections.write_off_reject`.
 */
export async function decideWriteOff(
  db: Db,
  actor: CollectionsActor,
  deps: { outbox: Outbox },
  input: { proposalId: string; approve: boolean },
  now: Date = new Date(),
): Promise<Result> {
  if (!can(actor.staff, "collections.manage")) return { ok: false, code: "forbidden" };
  if (!isId(input.proposalId)) return { ok: false, code: "not_found" };
  return await transaction(db, async (tx): Promise<Result> => {
    const [p] = await tx<{ loanId: string; proposedBy: string; status: string; reason: string }[]>`
      select loan_id::text as "loanId", proposed_by::text as "proposedBy", status, reason
      from write_off_proposals where id = ${input.proposalId} for update`;
    if (!p) return { ok: false, code: "not_found" };
    if (p.status !== "pending") return { ok: false, code: "not_pending" };
    if (p.proposedBy === actor.staff.id) return { ok: false, code: "own_proposal" };
    const [loan] = await tx<{ status: string; title: string; borrowerId: string }[]>`
      select status, title, borrower_id::text as "borrowerId" from loans where id = ${p.loanId} for update`;
    if (!input.approve) {
      await tx`update write_off_proposals set status = 'rejected', decided_by = ${actor.staff.id}, decided_at = ${now}
        where id = ${input.proposalId}`;
      await appendAudit(tx, {
        staffId: actor.staff.id,
        action: "collections.write_off_reject",
        target: `loan:${p.loanId}`,
        detail: { proposalId: input.proposalId },
        ip: actor.ip,
      });
      return { ok: true };
    }
    if (!loan || !COLLECTIBLE.includes(loan.status)) return { ok: false, code: "not_found" };
    await tx`update write_off_proposals set status = 'approved', decided_by = ${actor.staff.id}, decided_at = ${now}
      where id = ${input.proposalId}`;
    await tx`update loans set status = 'written_off', written_off_at = ${now}, write_off_reason = ${p.reason},
      updated_at = ${now}, version = version + 1 where id = ${p.loanId}`;
    await tx`update loan_installments set status = 'written_off' where loan_id = ${p.loanId} and status in ('pending', 'overdue')`;
    await tx`update claims set status = 'written_off' where loan_id = ${p.loanId} and status = 'holding'`;
    const lost = await tx<{ investorId: string; lostFen: Fen }[]>`
      with w as (
        update claim_installments set status = 'written_off' where loan_id = ${p.loanId} and status = 'pending'
        returning investor_id, principal_fen - received_principal_fen as lost
      )
      select investor_id::text as "investorId", sum(lost)::bigint as "lostFen" from w group by investor_id`;
    await tx`update collection_cases set closed_at = ${now} where loan_id = ${p.loanId} and closed_at is null`;
    await tx`insert into loan_events (loan_id, kind, staff_id, detail)
      values (${p.loanId}, 'written_off', ${actor.staff.id}, ${
      tx.json({ proposalId: input.proposalId, reason: p.reason })
    })`;
    for (const l of lost) {
      await notify(tx, deps.outbox, {
        userId: l.investorId,
        kind: "generic",
        key: `write_off:${p.loanId}`,
        payload: {
          title: "出借项目已核销",
          body:
            `您出借的项目「${loan.title}」经催收仍无法收回，已作坏账核销，未收回本金 ${
              formatFen(BigInt(l.lostFen))
            } ` +
            `由出借人自行承担；平台不对出借本金和收益提供任何担保。`,
        },
      });
    }
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "collections.write_off_approve",
      target: `loan:${p.loanId}`,
      detail: {
        proposalId: input.proposalId,
        proposedBy: p.proposedBy,
        reason: p.reason,
        investors: lost.length,
      },
      ip: actor.ip,
    });
    return { ok: true };
  });
}
