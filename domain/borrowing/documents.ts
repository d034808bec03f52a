/**
 * Application documents (申请材料): ID card front and back, bank card, income and employment proof, and for
 * a business the licence and premises. A document is a JPEG, PNG or PDF by its *content* (magic bytes:
 * `FF D8 FF`, `89 50 4E 47 0D 0A 1A 0A`, `%PDF-`), never by its name or the browser's type; at most
 * {@link DOCUMENT_MAX_BYTES}; at most {@link MAX_DOCUMENTS_PER_APPLICATION} per application. Files are
 * streamed to `<dataDir>/loan_documents/` (never under `static/`) with a hard cap, named by a random id,
 * and served only to the applicant ({@link documentFileForOwner}) and to staff with `loans.review`
 * ({@link documentFileForStaff}, audit-logged), through routes that check first.
 *
 * Documents can be added or removed while the application is a draft, and added while staff ask for more
 * material (`more_info`).
 * @module
 */
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import { isId } from "../shared/ids.ts";
import { storedFileResponse, storeUploadStream } from "../shared/stored_files.ts";
import { appendAudit } from "../staff/audit_log.ts";

/** Largest accepted document: 5 MiB. */
export const DOCUMENT_MAX_BYTES = 5 * 1024 * 1024;
/** The request body limit of the upload route (the file plus the form's other fields and boundaries). */
export const DOCUMENT_UPLOAD_BODY_LIMIT = DOCUMENT_MAX_BYTES + 64 * 1024;
/** The upload route's path pattern (its body limit is raised in main.ts). */
export const DOCUMENT_UPLOAD_PATH = /^\/borrow\/applications\/[1-9][0-9]{0,18}\/documents$/;
/** Sub-folder of the data directory holding the documents. */
export const DOCUMENT_DIR_NAME = "loan_documents";
/** Most documents (not removed) per application. */
export const MAX_DOCUMENTS_PER_APPLICATION = 20;
/** The staff permission that may read documents. */
export const DOCUMENT_STAFF_PERMISSION = "loans.review";

/** The kinds of document. */
export const DOCUMENT_KINDS = [
  "id_front",
  "id_back",
  "bank_card",
  "income_proof",
  "employment_proof",
  "business_licence",
  "business_premises",
  "other",
] as const;
/** A document kind. */
export type DocumentKind = typeof DOCUMENT_KINDS[number];

/** Chinese names of the kinds. */
export const DOCUMENT_KIND_LABELS: Readonly<Record<DocumentKind, string>> = {
  id_front: "身份证人像面",
  id_back: "身份证国徽面",
  bank_card: "银行卡",
  income_proof: "收入证明（工资流水等）",
  employment_proof: "工作证明",
  business_licence: "营业执照",
  business_premises: "经营场所照片",
  other: "其他材料",
};

/** The kinds a complete application needs, per borrower kind. */
export const REQUIRED_DOCUMENTS: Readonly<Record<"person" | "business", readonly DocumentKind[]>> = {
  person: ["id_front", "id_back", "bank_card", "income_proof", "employment_proof"],
  business: ["id_front", "id_back", "bank_card", "business_licence", "business_premises"],
};

/** The kinds offered for upload, per borrower kind (required first). */
export const OFFERED_DOCUMENTS: Readonly<Record<"person" | "business", readonly DocumentKind[]>> = {
  person: [...REQUIRED_DOCUMENTS.person, "other"],
  business: [...REQUIRED_DOCUMENTS.business, "income_proof", "other"],
};

/** The accepted document types, by content. */
export type DocumentType = "image/jpeg" | "image/png" | "application/pdf";

const EXTENSIONS: Readonly<Record<DocumentType, "jpg" | "png" | "pdf">> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "application/pdf": "pdf",
};

/** Bytes needed by {@link sniffDocumentType}. */
export const DOCUMENT_SNIFF_BYTES = 8;

/** The type of a file by its first bytes, or `null` when it is not a JPEG, PNG or PDF. */
export function sniffDocumentType(head: Uint8Array): DocumentType | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "image/jpeg";
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (head.length >= 8 && png.every((b, i) => head[i] === b)) return "image/png";
  const pdf = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
  if (head.length >= 5 && pdf.every((b, i) => head[i] === b)) return "application/pdf";
  return null;
}

/** Why an upload is refused. */
export type DocumentUploadProblem = "missing" | "empty" | "too_large" | "wrong_type" | "kind";

/** Chinese messages shown next to the file field. */
export const DOCUMENT_UPLOAD_MESSAGES: Readonly<Record<DocumentUploadProblem, string>> = {
  missing: "请选择要上传的文件",
  empty: "文件是空的，请重新选择",
  too_large: `单个文件不能超过 ${DOCUMENT_MAX_BYTES / 1024 / 1024} MB，请压缩后重试`,
  wrong_type: "文件格式不支持：请上传 JPG、PNG 图片或 PDF 文件",
  kind: "请选择材料类型",
};

/** The folder of the documents under `dataDir`. */
export function documentDir(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, "")}/${DOCUMENT_DIR_NAME}`;
}

/** Where a stored document lives (`storageName`: 32 hex characters and an extension). */
export function documentPath(dataDir: string, storageName: string): string {
  if (!/^[a-f0-9]{32}\.(jpg|png|pdf)$/.test(storageName)) throw new RangeError("invalid document file name");
  return `${documentDir(dataDir)}/${storageName}`;
}

type StoreResult =
  | { ok: true; type: DocumentType; size: number; sha256: string; storageName: string }
  | { ok: false; problem: DocumentUploadProblem };

/**
 * Stream `body` into a new file under `dataDir` with a hard cap of {@link DOCUMENT_MAX_BYTES}: the type is
 * decided from the first bytes before anything is written; on any refusal the partial file is deleted.
 */
export async function storeDocumentStream(
  body: ReadableStream<Uint8Array>,
  dataDir: string,
): Promise<StoreResult> {
  const r = await storeUploadStream(body, {
    dir: documentDir(dataDir),
    maxBytes: DOCUMENT_MAX_BYTES,
    sniffBytes: DOCUMENT_SNIFF_BYTES,
    sniff: sniffDocumentType,
    extensions: EXTENSIONS,
  });
  if (!r.ok) return r;
  const { fileName: storageName, ...rest } = r;
  return { ...rest, storageName };
}

/** Outcome of {@link uploadDocument}. */
export type UploadDocumentResult =
  | { ok: true; documentId: string }
  | { ok: false; code: "invalid_input"; fields: { file?: string[]; kind?: string[] } }
  | { ok: false; code: "not_found" | "not_editable" | "too_many" };

/** Chinese messages of the other refusals of the document commands. */
export const DOCUMENT_MESSAGES = {
  not_found: "借款申请不存在",
  not_editable: "该申请当前不能修改材料",
  too_many: `每笔申请最多上传 ${MAX_DOCUMENTS_PER_APPLICATION} 份材料，请先删除多余的材料`,
  document_not_found: "材料不存在",
} as const;

function isDocumentKind(value: string): value is DocumentKind {
  return (DOCUMENT_KINDS as readonly string[]).includes(value);
}

async function uploadableState(
  db: Queryable,
  userId: string,
  applicationId: string,
): Promise<"ok" | "not_found" | "not_editable" | "too_many"> {
  const [row] = await db<{ userId: string; status: string; step: number; count: bigint | string }[]>`
    select a.user_id as "userId", a.status, a.step,
      (select count(*) from application_documents d where d.application_id = a.id and d.removed_at is null)
        as count
    from loan_applications a where a.id = ${applicationId}`;
  if (!row || String(row.userId) !== userId) return "not_found";
  if (!(row.status === "draft" && row.step >= 3) && row.status !== "more_info") return "not_editable";
  if (BigInt(row.count) >= MAX_DOCUMENTS_PER_APPLICATION) return "too_many";
  return "ok";
}

/**
 * Add a document to the user's own application (a draft past the profile step, or one in `more_info`).
 * The file is stored first (streamed, capped, typed by its bytes); then one transaction records it. Any
 * refusal leaves no file behind. An upload in `more_info` is also written to the loan history.
 */
export async function uploadDocument(
  db: Db,
  deps: { dataDir: string },
  input: { userId: string; applicationId: string; kind: string; file: Blob | null },
): Promise<UploadDocumentResult> {
  if (!isId(input.applicationId)) return { ok: false, code: "not_found" };
  const fields: { file?: string[]; kind?: string[] } = {};
  if (!isDocumentKind(input.kind)) fields.kind = [DOCUMENT_UPLOAD_MESSAGES.kind];
  if (!input.file) fields.file = [DOCUMENT_UPLOAD_MESSAGES.missing];
  else if (input.file.size === 0) fields.file = [DOCUMENT_UPLOAD_MESSAGES.empty];
  else if (input.file.size > DOCUMENT_MAX_BYTES) fields.file = [DOCUMENT_UPLOAD_MESSAGES.too_large];
  if (Object.keys(fields).length > 0 || !input.file) return { ok: false, code: "invalid_input", fields };
  const state = await uploadableState(db, input.userId, input.applicationId);
  if (state !== "ok") return { ok: false, code: state };
  const stored = await storeDocumentStream(input.file.stream(), deps.dataDir);
  if (!stored.ok) {
    return { ok: false, code: "invalid_input", fields: { file: [DOCUMENT_UPLOAD_MESSAGES[stored.problem]] } };
  }
  const path = documentPath(deps.dataDir, stored.storageName);
  try {
    const result = await transaction(db, async (tx): Promise<UploadDocumentResult> => {
      const [app] = await tx<{ status: string }[]>`
        select status from loan_applications where id = ${input.applicationId} for update`;
      const again = await uploadableState(tx, input.userId, input.applicationId);
      if (again !== "ok") return { ok: false, code: again };
      const [row] = await tx<{ id: string }[]>`
        insert into application_documents (application_id, kind, content_type, size_bytes, sha256, storage_name)
        values (${input.applicationId}, ${input.kind}, ${stored.type}, ${stored.size}, ${stored.sha256},
                ${stored.storageName})
        returning id`;
      if (app.status === "more_info") {
        await tx`
          insert into loan_events (application_id, kind, detail)
          values (${input.applicationId}, 'document_added', ${
          tx.json({ documentId: String(row.id), kind: input.kind })
        })`;
      }
      return { ok: true, documentId: String(row.id) };
    });
    if (!result.ok) await Deno.remove(path).catch(() => {});
    return result;
  } catch (error) {
    await Deno.remove(path).catch(() => {});
    throw error;
  }
}

/** Outcome of {@link removeDocument}. */
export type RemoveDocumentResult = { ok: true } | { ok: false; code: "not_found" | "not_editable" };

/**
 * The owner removes a document of a draft (marked removed; the file stays for the record until the
 * retention job, never served again).
 */
export async function removeDocument(
  db: Db,
  input: { userId: string; documentId: string },
): Promise<RemoveDocumentResult> {
  if (!isId(input.documentId)) return { ok: false, code: "not_found" };
  return await transaction(db, async (tx): Promise<RemoveDocumentResult> => {
    const [row] = await tx<{ applicationId: string; userId: string; status: string }[]>`
      select d.application_id as "applicationId", a.user_id as "userId", a.status
      from application_documents d join loan_applications a on a.id = d.application_id
      where d.id = ${input.documentId} and d.removed_at is null
      for update of a`;
    if (!row || String(row.userId) !== input.userId) return { ok: false, code: "not_found" };
    if (row.status !== "draft") return { ok: false, code: "not_editable" };
    await tx`update application_documents set removed_at = now() where id = ${input.documentId}`;
    return { ok: true };
  });
}

/** One document as listed. */
export interface DocumentRow {
  id: string;
  kind: DocumentKind;
  contentType: DocumentType;
  sizeBytes: number;
  uploadedAt: Date;
}

/** The documents (not removed) of an application, by kind and upload order. No owner check: callers check. */
export async function listDocuments(db: Queryable, applicationId: string): Promise<DocumentRow[]> {
  if (!isId(applicationId)) return [];
  const rows = await db<DocumentRow[]>`
    select id, kind, content_type as "contentType", size_bytes as "sizeBytes", uploaded_at as "uploadedAt"
    from application_documents where application_id = ${applicationId} and removed_at is null
    order by id limit ${MAX_DOCUMENTS_PER_APPLICATION}`;
  return rows.map((r) => ({ ...r, id: String(r.id), sizeBytes: Number(r.sizeBytes) }));
}

/** The required kinds still missing among `documents`. */
export function missingDocuments(
  borrowerKind: "person" | "business",
  documents: readonly Pick<DocumentRow, "kind">[],
): DocumentKind[] {
  const have = new Set(documents.map((d) => d.kind));
  return REQUIRED_DOCUMENTS[borrowerKind].filter((k) => !have.has(k));
}

/** Outcome of {@link completeDocuments}. */
export type CompleteDocumentsResult =
  | { ok: true }
  | { ok: false; code: "not_found" | "not_editable" | "step_missing" }
  | { ok: false; code: "missing"; missing: DocumentKind[] };

/** Step 4 done: every required document is there (the draft moves on to the confirmation). */
export async function completeDocuments(
  db: Db,
  input: { userId: string; applicationId: string },
): Promise<CompleteDocumentsResult> {
  if (!isId(input.applicationId)) return { ok: false, code: "not_found" };
  return await transaction(db, async (tx): Promise<CompleteDocumentsResult> => {
    const [row] = await tx<
      { userId: string; status: string; step: number; borrowerKind: "person" | "business" }[]
    >`
      select a.user_id as "userId", a.status, a.step, p.borrower_kind as "borrowerKind"
      from loan_applications a join loan_products p on p.id = a.product_id
      where a.id = ${input.applicationId} for update of a`;
    if (!row || String(row.userId) !== input.userId) return { ok: false, code: "not_found" };
    if (row.status !== "draft") return { ok: false, code: "not_editable" };
    if (row.step < 3) return { ok: false, code: "step_missing" };
    const missing = missingDocuments(row.borrowerKind, await listDocuments(tx, input.applicationId));
    if (missing.length > 0) return { ok: false, code: "missing", missing };
    await tx`update loan_applications set step = greatest(step, 4), updated_at = now() where id = ${input.applicationId}`;
    return { ok: true };
  });
}

/** A stored document to stream, after the access check. */
export interface DocumentFile {
  path: string;
  contentType: DocumentType;
  sizeBytes: number;
}

/** The document if it belongs to an application of `userId` and is not removed, else `null` (404). */
export async function documentFileForOwner(
  db: Queryable,
  dataDir: string,
  input: { userId: string; documentId: string },
): Promise<DocumentFile | null> {
  if (!isId(input.documentId)) return null;
  const [row] = await db<{ storageName: string; contentType: DocumentType; sizeBytes: number }[]>`
    select d.storage_name as "storageName", d.content_type as "contentType", d.size_bytes as "sizeBytes"
    from application_documents d join loan_applications a on a.id = d.application_id
    where d.id = ${input.documentId} and a.user_id = ${input.userId} and d.removed_at is null`;
  return row
    ? { path: documentPath(dataDir, row.storageName), contentType: row.contentType, sizeBytes: row.sizeBytes }
    : null;
}

/**
 * The document for a staff member with `loans.review`, else `null`. Each viewing is audit-logged
 * (`loan.document.view`) in the same transaction as the look-up.
 */
export async function documentFileForStaff(
  db: Db,
  dataDir: string,
  input: { documentId: string; staff: { id: string; permissions: ReadonlySet<string> }; ip: string | null },
): Promise<DocumentFile | null> {
  if (!input.staff.permissions.has(DOCUMENT_STAFF_PERMISSION) || !isId(input.documentId)) return null;
  return await transaction(db, async (tx): Promise<DocumentFile | null> => {
    const [row] = await tx<
      {
        applicationId: string;
        kind: string;
        storageName: string;
        contentType: DocumentType;
        sizeBytes: number;
      }[]
    >`
      select application_id as "applicationId", kind, storage_name as "storageName",
        content_type as "contentType", size_bytes as "sizeBytes"
      from application_documents where id = ${input.documentId}`;
    if (!row) return null;
    await appendAudit(tx, {
      staffId: input.staff.id,
      action: "loan.document.view",
      target: `loan_application:${row.applicationId}`,
      detail: { documentId: input.documentId, kind: row.kind },
      ip: input.ip,
    });
    return {
      path: documentPath(dataDir, row.storageName),
      contentType: row.contentType,
      sizeBytes: row.sizeBytes,
    };
  });
}

/**
 * The HTTP answer streaming a stored document (after the caller's access check): its type by content,
 * `inline`, never cached, never sniffed; one byte range when the request asks (`rangeHeader`: PDF viewers
 * fetch parts). `null` when the file is missing on disk.
 */
export async function documentResponse(
  file: DocumentFile,
  rangeHeader: string | null = null,
): Promise<Response | null> {
  return await storedFileResponse(file, {
    "content-security-policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
  }, rangeHeader);
}
