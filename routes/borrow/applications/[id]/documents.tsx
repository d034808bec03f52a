/**
 * `/borrow/applications/:id/documents` — step 4: upload the documents (JPEG, PNG or PDF by content, at
 * most 5 MB each; this route's body limit is raised in main.ts), one per form post, so a slow phone
 * retries one file, not all. `intent=remove` removes one (drafts only); `intent=next` checks the required
 * kinds and goes to the confirmation. In `more_info` the borrower adds material here, then resubmits on
 * the status page. Works without JavaScript.
 * @module
 */
import { DocumentsStep, type DocumentsStepData } from "../../../../components/borrow/DocumentsStep.tsx";
import { ownApplicationOr404, stepHref, stepRedirect } from "../../../../components/borrow/BorrowSteps.tsx";
import { HttpError, page, readForm } from "../../../../framework/mod.ts";
import { type LoanApplication } from "../../../../domain/borrowing/application.ts";
import {
  completeDocuments,
  DOCUMENT_KIND_LABELS,
  DOCUMENT_MESSAGES,
  DOCUMENT_UPLOAD_MESSAGES,
  listDocuments,
  removeDocument,
  uploadDocument,
} from "../../../../domain/borrowing/documents.ts";
import { define, doneNotice, formText, type State } from "../../../../utils.ts";

async function render(state: State, app: LoanApplication, partial: Partial<DocumentsStepData>, status = 200) {
  return page<DocumentsStepData>({
    app,
    documents: await listDocuments(state.sql, app.id),
    kind: partial.kind ?? "",
    errors: partial.errors ?? {},
    notice: partial.notice ?? null,
  }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "上传材料";
    const app = await ownApplicationOr404(ctx.state, ctx.params.id);
    if (app.status !== "more_info") {
      const to = stepRedirect(app, "documents");
      if (to) return ctx.redirect(to, 303);
    }
    return await render(ctx.state, app, {
      notice: doneNotice(ctx.url, { uploaded: "上传成功。", removed: "已删除。" }),
    });
  },
  async POST(ctx) {
    ctx.state.title = "上传材料";
    const app = await ownApplicationOr404(ctx.state, ctx.params.id);
    const userId = ctx.state.user!.id;
    let form: FormData;
    try {
      form = await readForm(ctx.req);
    } catch (error) {
      if (error instanceof HttpError && error.status === 413) {
        return await render(ctx.state, app, { errors: { file: [DOCUMENT_UPLOAD_MESSAGES.too_large] } }, 413);
      }
      throw error;
    }
    const text = formText(form, 40);
    const intent = text("intent");
    const here = stepHref(app.id, "documents");
    if (intent === "remove") {
      const r = await removeDocument(ctx.state.sql, { userId, documentId: text("documentId") });
      if (r.ok) return ctx.redirect(`${here}?done=removed`, 303);
      return await render(ctx.state, app, {
        errors: {
          form: [
            r.code === "not_found" ? DOCUMENT_MESSAGES.document_not_found : DOCUMENT_MESSAGES.not_editable,
          ],
        },
      }, r.code === "not_found" ? 404 : 409);
    }
    if (intent === "next") {
      const r = await completeDocuments(ctx.state.sql, { userId, applicationId: app.id });
      if (r.ok) return ctx.redirect(stepHref(app.id, "confirm"), 303);
      if (r.code === "not_found") throw new HttpError(404);
      const message = r.code === "missing"
        ? `请先上传：${r.missing.map((k) => DOCUMENT_KIND_LABELS[k]).join("、")}`
        : DOCUMENT_MESSAGES.not_editable;
      return await render(ctx.state, app, { errors: { form: [message] } }, 422);
    }
    const file = form.get("file");
    const kind = text("kind");
    const r = await uploadDocument(ctx.state.sql, { dataDir: ctx.state.config.dataDir }, {
      userId,
      applicationId: app.id,
      kind,
      file: file instanceof Blob && (file.size > 0 || (file as File).name !== "") ? file : null,
    });
    if (r.ok) return ctx.redirect(`${here}?done=uploaded`, 303);
    if (r.code === "invalid_input") {
      const status = r.fields.file?.[0] === DOCUMENT_UPLOAD_MESSAGES.too_large ? 413 : 422;
      return await render(ctx.state, app, { kind, errors: r.fields }, status);
    }
    if (r.code === "not_found") throw new HttpError(404);
    return await render(ctx.state, app, { kind, errors: { form: [DOCUMENT_MESSAGES[r.code]] } }, 409);
  },
});

/** Step 4 of the application (and the place to add material in `more_info`). */

export default define.page<typeof handler>(({ data, state }) => (
  <DocumentsStep data={data} csrfToken={state.csrfToken} />
));
