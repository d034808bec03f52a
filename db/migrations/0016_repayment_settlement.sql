-- 0016 repayment, daily settlement and collections (issue 7 §7, §8): the run record of each settlement day,
-- collection cases with their contact records and assignment, and write-off proposals (four eyes).

-- when a loan became overdue / accelerated (shown to staff; the collections queue sorts by days overdue)
alter table loans add column accelerated_at timestamptz;

-- 日终结算: one row per Asia/Shanghai day. running → done; a crashed run stays 'running' and is resumed.
create table settlement_runs (
  day date primary key,
  status text not null default 'running' check (status in ('running', 'done')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  -- {"debited": n, "paidFen": …, "overdue": n, "penaltyFen": …, "accelerated": n, "settled": n, "chunks": n}
  counts jsonb not null default '{}'::jsonb,
  attempts integer not null default 1 check (attempts > 0),
  -- the last loan whose chunk committed (loans are settled in id order): a rerun resumes after it
  cursor_loan_id bigint not null default 0
);

-- 催收: one case per overdue loan, assigned to a collector.
create table collection_cases (
  loan_id bigint primary key references loans (id),
  assigned_staff_id bigint references staff (id),
  assigned_at timestamptz,
  opened_at timestamptz not null default now(),
  closed_at timestamptz
);
create index collection_cases_staff_idx on collection_cases (assigned_staff_id) where closed_at is null;

-- 催收记录: each contact with the borrower.
create table collection_notes (
  id bigint generated always as identity primary key,
  loan_id bigint not null references loans (id),
  staff_id bigint not null references staff (id),
  contacted_at timestamptz not null,
  channel text not null check (channel in ('phone', 'sms', 'visit', 'letter')),
  result text not null check (result in ('reached', 'unreachable', 'promised', 'refused', 'other')),
  promise_date date,
  note text not null default '' check (length(note) <= 500),
  created_at timestamptz not null default now()
);
create index collection_notes_loan_idx on collection_notes (loan_id, id desc);

-- 坏账核销: proposed by one staff member, approved or rejected by a different one.
create table write_off_proposals (
  id bigint generated always as identity primary key,
  loan_id bigint not null references loans (id),
  reason text not null check (length(reason) between 2 and 500),
  proposed_by bigint not null references staff (id),
  proposed_at timestamptz not null default now(),
  status text not null default 'pending' check (status in ('pending', 'approved', 'rejected')),
  decided_by bigint references staff (id),
  decided_at timestamptz,
  check (decided_by is null or decided_by <> proposed_by)
);
create unique index write_off_proposals_pending_idx on write_off_proposals (loan_id) where status = 'pending';

-- the settlement finds each chunk's loans by status
create index loans_repaying_idx on loans (id) where status in ('repaying', 'overdue', 'accelerated');
