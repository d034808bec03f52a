/**
 * `/admin/collections/[loanId]` — 催收详情 (`collections.manage`): the loan's installments with what is owed,
 * the collector (assign), the contact records (add one: time, channel, result, promise-to-pay date, note)
 * and write-off as bad debt: one staff member proposes with a reason, a different one approves or rejects
 * (four eyes). Forms post with `intent`; post/redirect/get; every action is audit-logged.
 * @module
 */
import {
  type CollectionDetailData,
  CollectionDetailPage,
} from "../../../components/lending/CollectionDetailPage.tsx";
import { HttpError, page, readForm } from "../../../framework/mod.ts";
import {
  addContactNote,
  assignCollector,
  collectionDetail,
  COLLECTIONS_MESSAGES,
  decideWriteOff,
  listCollectors,
  proposeWriteOff,
} from "../../../domain/lending/collections.ts";
import { define, doneNotice, formText, type State } from "../../../utils.ts";

const NOTICES: Record<string, string> = {
  assigned: "已分配催收员。",
  noted: "已添加催收记录。",
  proposed: "已提交核销申请，须由另一位员工审批。",
  approved: "已核销为坏账，已通知出借人。",
  rejected: "已驳回核销申请。",
};

async function render(state: State, loanId: string, partial: Partial<CollectionDetailData>, status = 200) {
  const detail = await collectionDetail(state.sql, loanId);
  if (!detail) throw new HttpError(404);
  const collectors = await listCollectors(state.sql);
  return page<CollectionDetailData>({
    detail,
    collectors,
    notice: null,
    errors: {},
    message: null,
    values: {},
    staffId: state.staff!.id,
    ...partial,
  }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "催收详情";
    return await render(ctx.state, ctx.params.loanId, { notice: doneNotice(ctx.url, NOTICES) });
  },
  async POST(ctx) {
    ctx.state.title = "催收详情";
    const loanId = ctx.params.loanId;
    const form = await readForm(ctx.req);
    const text = formText(form, 500);
    const intent = text("intent", 20);
    const actor = { staff: ctx.state.staff!, ip: ctx.state.clientIp };
    const values = {
      contactedAt: text("contactedAt", 20),
      channel: text("channel", 10),
      result: text("result", 20),
      promiseDate: text("promiseDate", 10),
      note: text("note", 500),
      reason: text("reason", 500),
    };
    let result: { ok: boolean; code?: keyof typeof COLLECTIONS_MESSAGES; fields?: Record<string, string[]> };
    let done = "";
    if (intent === "assign") {
      result = await assignCollector(ctx.state.sql, actor, { loanId, staffId: text("staffId", 20) });
      done = "assigned";
    } else if (intent === "note") {
      result = await addContactNote(ctx.state.sql, actor, { loanId, ...values });
      done = "noted";
    } else if (intent === "propose") {
      result = await proposeWriteOff(ctx.state.sql, actor, { loanId, reason: values.reason });
      done = "proposed";
    } else if (intent === "approve" || intent === "reject") {
      result = await decideWriteOff(ctx.state.sql, actor, { outbox: ctx.state.outbox }, {
        proposalId: text("proposalId", 20),
        approve: intent === "approve",
      });
      done = intent === "approve" ? "approved" : "rejected";
    } else {
      return await render(ctx.state, loanId, {}, 400);
    }
    if (result.ok) return ctx.redirect(`/admin/collections/${loanId}?done=${done}`, 303);
    const code = result.code ?? "invalid_input";
    const status = code === "invalid_input"
      ? 422
      : code === "forbidden"
      ? 403
      : code === "not_found"
      ? 404
      : 409;
    return await render(ctx.state, loanId, {
      errors: result.fields ?? {},
      message: code === "invalid_input" && result.fields ? null : COLLECTIONS_MESSAGES[code],
      values,
    }, status);
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <CollectionDetailPage data={data} csrfToken={state.csrfToken} />
));
