/**
 * The page markup of `/borrow/applications/[id]/documents`.
 * @module
 */
import { BorrowSteps } from "./BorrowSteps.tsx";
import { CsrfField, SelectField } from "../Field.tsx";
import { type LoanApplication } from "../../domain/borrowing/application.ts";
import {
  DOCUMENT_KIND_LABELS,
  DOCUMENT_MAX_BYTES,
  DOCUMENT_UPLOAD_MESSAGES,
  type DocumentRow,
  missingDocuments,
  OFFERED_DOCUMENTS,
} from "../../domain/borrowing/documents.ts";
import UploadProgress from "../../islands/UploadProgress.tsx";

/** Data of {@link DocumentsStep}. */
export interface DocumentsStepData {
  app: LoanApplication;
  documents: DocumentRow[];
  kind: string;
  errors: Record<string, string[]>;
  notice: string | null;
}

/** The whole page. */
export function DocumentsStep({ data, csrfToken }: { data: DocumentsStepData; csrfToken: string }) {
  const { app, documents, errors } = data;
  const missing = missingDocuments(app.borrowerKind, documents);
  const draft = app.status === "draft";
  const offered = OFFERED_DOCUMENTS[app.borrowerKind];
  return (
    <div class="card auth-card">
      <h1>上传材料</h1>
      {draft ? <BorrowSteps app={app} current="documents" /> : (
        <p>
          审核人员需要您补充材料：{app.reviewNote ?? ""}。上传后请回到<a
            href={`/borrow/applications/${app.id}`}
          >
            申请详情
          </a>
          提交。
        </p>
      )}
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
      <ul class="plain-list" data-testid="documents">
        {offered.map((k) => {
          const mine = documents.filter((d) => d.kind === k);
          return (
            <li data-kind={k}>
              {DOCUMENT_KIND_LABELS[k]}：{mine.length === 0
                ? <span class="muted">{missing.includes(k) ? "未上传（必填）" : "未上传（选填）"}</span>
                : mine.map((d) => (
                  <span>
                    <a href={`/borrow/documents/${d.id}`}>已上传（{Math.ceil(d.sizeBytes / 1024)} KB）</a>
                    {draft && (
                      <form method="post" class="inline-form">
                        <CsrfField token={csrfToken} />
                        <input type="hidden" name="intent" value="remove" />
                        <input type="hidden" name="documentId" value={d.id} />
                        <button type="submit" class="btn btn-secondary btn-small">删除</button>
                      </form>
                    )}
                  </span>
                ))}
            </li>
          );
        })}
      </ul>
      <form method="post" encType="multipart/form-data" class="stack" novalidate data-upload>
        <CsrfField token={csrfToken} />
        <input type="hidden" name="intent" value="upload" />
        <SelectField
          name="kind"
          label="材料类型"
          value={data.kind || missing[0] || ""}
          emptyLabel="请选择"
          required
          options={offered.map((k) => [k, DOCUMENT_KIND_LABELS[k]] as const)}
          errors={errors.kind}
        />
        <div class="form-field">
          <label for="f-file">文件</label>
          <input
            id="f-file"
            name="file"
            type="file"
            accept="image/jpeg,image/png,application/pdf"
            required
            aria-invalid={errors.file ? "true" : undefined}
            aria-describedby={errors.file ? "f-file-error" : "f-file-hint"}
          />
          <p class="hint" id="f-file-hint">
            JPG、PNG 图片或 PDF，单个不超过 {DOCUMENT_MAX_BYTES / 1024 / 1024}{" "}
            MB。材料仅您本人和审核人员可见。
          </p>
          {errors.file && <p class="field-error" id="f-file-error" role="alert">{errors.file[0]}</p>}
        </div>
        <UploadProgress
          label="上传"
          maxBytes={DOCUMENT_MAX_BYTES}
          tooLargeMessage={DOCUMENT_UPLOAD_MESSAGES.too_large}
        />
      </form>
      {draft && (
        <form method="post" class="stack">
          <CsrfField token={csrfToken} />
          <input type="hidden" name="intent" value="next" />
          <button type="submit" class="btn btn-block">材料已齐，下一步</button>
        </form>
      )}
    </div>
  );
}
