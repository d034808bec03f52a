-- 0020 PII re-encryption after a key rotation (domain/accounts/pii_reencrypt.ts, cron `pii_reencrypt`): how far
-- the rewrite of each encrypted target has come under the current key version. A batch's rewrites and its
-- cursor commit together, so a run stopped anywhere resumes after the last committed batch; a new key version
-- starts every target again.
create table pii_reencrypt_progress (
  -- a table (its encrypted columns), or `loan_applications.details` (encrypted values inside the jsonb)
  target text primary key check (target ~ '^[a-z_]+(\.[a-z_]+)?$'),
  key_version smallint not null check (key_version between 1 and 255),
  -- the last key done (a bigint as text, or a JSON array for a composite key); '' before the first batch
  cursor text not null default '' check (length(cursor) <= 300),
  -- values rewritten, and values no configured key opens (left as they are, reported)
  rewritten bigint not null default 0 check (rewritten >= 0),
  unreadable bigint not null default 0 check (unreadable >= 0),
  finished_at timestamptz,
  updated_at timestamptz not null default now()
);
