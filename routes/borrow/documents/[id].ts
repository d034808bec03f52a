/**
 * `/borrow/documents/:id` — the applicant's own document, streamed from the data directory after the
 * ownership check (anyone else: 404). Never cached.
 * @module
 */
import { HttpError } from "../../../framework/mod.ts";
import { documentFileForOwner, documentResponse } from "../../../domain/borrowing/documents.ts";
import { define } from "../../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    const file = await documentFileForOwner(ctx.state.sql, ctx.state.config.dataDir, {
      userId: ctx.state.user!.id,
      documentId: ctx.params.id,
    });
    const res = file && await documentResponse(file, ctx.req.headers.get("range"));
    if (!res) throw new HttpError(404);
    return res;
  },
});
