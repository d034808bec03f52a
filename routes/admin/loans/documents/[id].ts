/**
 * `/admin/loans/documents/:id` — an application document for a reviewer (`loans.review`, declared in
 * ADMIN_ROUTE_PERMISSIONS and checked again by the domain), streamed from the data directory. Each viewing
 * is audit-logged (`loan.document.view`).
 * @module
 */
import { HttpError } from "../../../../framework/mod.ts";
import { documentFileForStaff, documentResponse } from "../../../../domain/borrowing/documents.ts";
import { define } from "../../../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    const file = await documentFileForStaff(ctx.state.sql, ctx.state.config.dataDir, {
      documentId: ctx.params.id,
      staff: ctx.state.staff!,
      ip: ctx.state.clientIp,
    });
    const res = file && await documentResponse(file, ctx.req.headers.get("range"));
    if (!res) throw new HttpError(404);
    return res;
  },
});
