-- 0014 review, listing and disbursement: custody batch instructions (one instruction, many transfers,
-- executed atomically by the bank), the lending settings (four-eyes threshold of manual approval), pending
-- first approvals awaiting a second reviewer, and who reviewed and disbursed a full loan.

-- ---------------------------------------------------------------------------------------------------
-- Custody batch (domain/payments/custody_batch.ts): kind batch_transfer, one row per transfer.
alter table custody_instructions drop constraint if exists custody_instructions_kind_check;
alter table custody_instructions add constraint custody_instructions_kind_check
  check (kind in ('top_up', 'freeze', 'unfreeze', 'transfer', 'withdrawal', 'batch_transfer'));

create table custody_instruction_lines (
  instruction_id bigint not null references custody_instructions (id),
  line_no integer not null check (line_no > 0),
  -- null user / account: the platform's own account at the bank
  from_user_id bigint references users (id),
  to_user_id bigint references users (id),
  from_account_no text,
  to_account_no text,
  -- the payer's money is taken from its frozen part (a disbursement of frozen bids)
  from_frozen boolean not null default false,
  amount_fen bigint not null check (amount_fen > 0),
  primary key (instruction_id, line_no),
  check (from_account_no is distinct from to_account_no)
);

-- ---------------------------------------------------------------------------------------------------
-- Lending settings (one row), edited by risk staff (risk.rules).
create table lending_settings (
  id boolean primary key default true check (id),
  -- a manual approval of more than this needs a second reviewer (四眼原则); default ¥100,000
  four_eyes_threshold_fen bigint not null default 10000000 check (four_eyes_threshold_fen > 0),
  updated_by bigint references staff (id),
  updated_at timestamptz not null default now()
);
insert into lending_settings default values;

-- A first approval of a large application, waiting for a DIFFERENT reviewer to confirm it.
create table loan_approvals (
  id bigint generated always as identity primary key,
  application_id bigint not null references loan_applications (id),
  -- grade, rate, title, publish time, purpose, repayment source as the first reviewer chose them
  terms jsonb not null,
  first_staff_id bigint not null references staff (id),
  status text not null default 'pending' check (status in ('pending', 'confirmed', 'withdrawn')),
  second_staff_id bigint references staff (id),
  created_at timestamptz not null default now(),
  decided_at timestamptz,
  check (second_staff_id is null or second_staff_id <> first_staff_id)
);
create unique index loan_approvals_one_pending_idx on loan_approvals (application_id) where status = 'pending';

-- Full review (满标审核) and disbursement (放款) by two different staff members.
alter table loans add column full_reviewed_by bigint references staff (id);
alter table loans add column full_reviewed_at timestamptz;
alter table loans add column disbursed_by bigint references staff (id);
alter table loans add column disbursement_instruction_id bigint references custody_instructions (id);
alter table loans add constraint loans_four_eyes_disbursement_check
  check (disbursed_by is null or full_reviewed_by is null or disbursed_by <> full_reviewed_by);
create index loans_open_deadline_idx on loans (bid_deadline) where status = 'open';
create index loans_scheduled_publish_idx on loans (publish_at) where status = 'scheduled';
