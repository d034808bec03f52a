import assert from "node:assert/strict";
import { loadConfig } from "../../../config.ts";
import {
  DOCUMENT_MAX_BYTES,
  DOCUMENT_UPLOAD_MESSAGES,
  documentFileForOwner,
  documentFileForStaff,
  listDocuments,
  sniffDocumentType,
  uploadDocument,
} from "../../../domain/borrowing/documents.ts";
import { saveLoanTerms, saveProfile, startApplication } from "../../../domain/borrowing/application.ts";
import { testApp } from "../../helpers/app.ts";
import { appTest, testCipher } from "../../helpers/forms.ts";
import { actorFor, auditRows, insertStaff } from "../../helpers/staff_fixtures.ts";
import { borrower, jpegBytes, pdfBytes, PERSON_PROFILE, pngBytes, productId } from "./fixtures.ts";

const dataDir = loadConfig({ APP_ENV: "test" }).dataDir;

Deno.test("documents: the type comes from the magic bytes", () => {
  assert.equal(sniffDocumentType(jpegBytes(16)), "image/jpeg");
  assert.equal(sniffDocumentType(pngBytes(16)), "image/png");
  assert.equal(sniffDocumentType(pdfBytes(16)), "application/pdf");
  assert.equal(sniffDocumentType(new TextEncoder().encode("<html><body>")), null);
  assert.equal(sniffDocumentType(new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0, 0])), null, "GIF");
  assert.equal(sniffDocumentType(new Uint8Array([0xff, 0xd8])), null, "too short");
});

async function draftAtDocuments(sql: Parameters<typeof startApplication>[0]) {
  const app = await testApp();
  const { userId } = await borrower(sql, app.services.gateways);
  const started = await startApplication(sql, { userId, productId: await productId(sql, "personal_credit") });
  assert.ok(started.ok);
  const applicationId = started.applicationId;
  assert.ok(
    (await saveLoanTerms(sql, {
      userId,
      applicationId,
      amountYuan: "30000",
      termCount: "12",
      method: "equal_installment",
      purpose: "装修",
    })).ok,
  );
  assert.ok((await saveProfile(sql, { pii: testCipher }, { userId, applicationId, ...PERSON_PROFILE })).ok);
  return { userId, applicationId };
}

appTest("documents: wrong type, empty and too large are refused and leave nothing", async (app) => {
  const { userId, applicationId } = await draftAtDocuments(app.sql);
  const up = (file: Blob | null, kind = "id_front") =>
    uploadDocument(app.sql, { dataDir }, { userId, applicationId, kind, file });
  const html = await up(new Blob([new TextEncoder().encode("<html><script>alert(1)</script></html>")]));
  assert.deepEqual(html, {
    ok: false,
    code: "invalid_input",
    fields: { file: [DOCUMENT_UPLOAD_MESSAGES.wrong_type] },
  });
  const empty = await up(new Blob([]));
  assert.deepEqual(empty, {
    ok: false,
    code: "invalid_input",
    fields: { file: [DOCUMENT_UPLOAD_MESSAGES.empty] },
  });
  const big = await up(new Blob([jpegBytes(DOCUMENT_MAX_BYTES + 1)]));
  assert.deepEqual(big, {
    ok: false,
    code: "invalid_input",
    fields: { file: [DOCUMENT_UPLOAD_MESSAGES.too_large] },
  });
  const noKind = await up(new Blob([jpegBytes()]), "selfie");
  assert.equal(!noKind.ok && noKind.code, "invalid_input");
  const missing = await up(null);
  assert.equal(
    !missing.ok && missing.code === "invalid_input" && missing.fields.file?.[0],
    DOCUMENT_UPLOAD_MESSAGES.missing,
  );
  assert.equal((await listDocuments(app.sql, applicationId)).length, 0);

  // exactly at the limit, a PDF and a PNG are accepted
  assert.ok((await up(new Blob([jpegBytes(DOCUMENT_MAX_BYTES)]))).ok);
  assert.ok((await up(new Blob([pdfBytes()]), "income_proof")).ok);
  assert.ok((await up(new Blob([pngBytes()]), "bank_card")).ok);
  const docs = await listDocuments(app.sql, applicationId);
  assert.deepEqual(docs.map((d) => d.contentType), ["image/jpeg", "application/pdf", "image/png"]);
});

appTest(
  "documents: only the owner and staff with loans.review read them; staff reads are audited",
  async (app) => {
    const { userId, applicationId } = await draftAtDocuments(app.sql);
    const r = await uploadDocument(app.sql, { dataDir }, {
      userId,
      applicationId,
      kind: "id_front",
      file: new Blob([pngBytes()]),
    });
    assert.ok(r.ok);
    const own = await documentFileForOwner(app.sql, dataDir, { userId, documentId: r.documentId });
    assert.equal(own?.contentType, "image/png");
    const other = await borrower(app.sql, app.services.gateways);
    assert.equal(
      await documentFileForOwner(app.sql, dataDir, { userId: other.userId, documentId: r.documentId }),
      null,
    );

    const finance = await insertStaff(app.sql, "finance");
    const financeActor = await actorFor(app.sql, finance, "finance");
    assert.equal(
      await documentFileForStaff(app.sql, dataDir, { documentId: r.documentId, ...financeActor }),
      null,
    );
    const risk = await insertStaff(app.sql, "risk");
    const riskActor = await actorFor(app.sql, risk, "risk");
    const file = await documentFileForStaff(app.sql, dataDir, { documentId: r.documentId, ...riskActor });
    assert.equal(file?.contentType, "image/png");
    const audit = await auditRows(app.sql, "loan.document.view", `loan_application:${applicationId}`);
    assert.equal(audit.length, 1);
    assert.equal(audit[0].staff_id, risk.id);
  },
);

appTest("documents: not before the profile step, and not on someone else's application", async (app) => {
  const { userId } = await borrower(app.sql, app.services.gateways);
  const started = await startApplication(app.sql, {
    userId,
    productId: await productId(app.sql, "car_loan"),
  });
  assert.ok(started.ok);
  const early = await uploadDocument(app.sql, { dataDir }, {
    userId,
    applicationId: started.applicationId,
    kind: "id_front",
    file: new Blob([jpegBytes()]),
  });
  assert.deepEqual(early, { ok: false, code: "not_editable" });
  const other = await borrower(app.sql, app.services.gateways);
  const foreign = await uploadDocument(app.sql, { dataDir }, {
    userId: other.userId,
    applicationId: started.applicationId,
    kind: "id_front",
    file: new Blob([jpegBytes()]),
  });
  assert.deepEqual(foreign, { ok: false, code: "not_found" });
});
