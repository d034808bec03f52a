-- 0009 investor: the investor's side of the account centre — risk questionnaire results, the risk level
-- rules staff configure, risk disclosure confirmations, avatars and invite (referral) rewards.

-- Staff-configured rules of each investor risk level (C1 保守 … C5 进取): which loan risk grades (R1–R5)
-- the investor may bid on, and the per-bid and total-outstanding limits. Append-only: every change is a
-- new row (the history); the rule in force for a level is its latest row.
create table risk_level_rules (
  id bigint generated always as identity primary key,
  level text not null check (level in ('C1', 'C2', 'C3', 'C4', 'C5')),
  allowed_grades text[] not null
    check (allowed_grades <@ array['R1', 'R2', 'R3', 'R4', 'R5']::text[]),
  per_bid_limit_fen bigint not null check (per_bid_limit_fen > 0),
  total_outstanding_limit_fen bigint not null check (total_outstanding_limit_fen > 0),
  -- null for the defaults below
  staff_id bigint references staff (id),
  reason text check (reason is null or length(reason) <= 200),
  created_at timestamptz not null default now()
);
create index risk_level_rules_level_idx on risk_level_rules (level, id desc);

insert into risk_level_rules (level, allowed_grades, per_bid_limit_fen, total_outstanding_limit_fen, reason) values
  ('C1', array['R1'], 1000000, 5000000, '初始设置'),
  ('C2', array['R1', 'R2'], 5000000, 20000000, '初始设置'),
  ('C3', array['R1', 'R2', 'R3'], 10000000, 50000000, '初始设置'),
  ('C4', array['R1', 'R2', 'R3', 'R4'], 20000000, 100000000, '初始设置'),
  ('C5', array['R1', 'R2', 'R3', 'R4', 'R5'], 50000000, 200000000, '初始设置');

-- One row per questionnaire an investor submitted (the latest is in force until expires_at).
create table risk_assessments (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id),
  questionnaire_version text not null check (length(questionnaire_version) between 1 and 40),
  -- question id → chosen option id
  answers jsonb not null,
  score integer not null check (score >= 0),
  level text not null check (level in ('C1', 'C2', 'C3', 'C4', 'C5')),
  assessed_at timestamptz not null default now(),
  expires_at timestamptz not null,
  check (expires_at > assessed_at)
);
create index risk_assessments_user_idx on risk_assessments (user_id, id desc);

-- Confirmations of the risk disclosure (风险揭示书), one per user and document version.
create table risk_disclosure_acceptances (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id),
  version text not null check (length(version) between 1 and 40),
  accepted_at timestamptz not null default now(),
  ip text,
  unique (user_id, version)
);

-- Avatars: the sniffed image bytes, one per user (replaced on upload). Kept in the database rather than
-- under DATA_DIR: they are small (≤ 512 KB), go with the user's row in backups, and every app instance
-- (and the test suites, whose DATA_DIR is memory://) sees the same files.
create table user_avatars (
  user_id bigint primary key references users (id),
  content_type text not null check (content_type in ('image/png', 'image/jpeg', 'image/webp')),
  bytes bytea not null check (octet_length(bytes) between 1 and 524288),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  updated_at timestamptz not null default now()
);

-- Invite rewards: the rule per milestone an invitee reaches (staff-configured), the milestones reached,
-- and the rewards credited (once per invitee and milestone; the ledger entry's idempotency key is
-- 'referral:<inviteeId>:<milestone>').
create table referral_rules (
  milestone text primary key check (milestone in ('identity_verified', 'first_top_up', 'first_bid')),
  amount_fen bigint not null check (amount_fen > 0 and amount_fen <= 100000000),
  active boolean not null default false,
  updated_by bigint references staff (id),
  updated_at timestamptz not null default now()
);
insert into referral_rules (milestone, amount_fen, active) values
  ('identity_verified', 500, false),
  ('first_top_up', 1000, false),
  ('first_bid', 2000, true);

create table referral_milestones (
  invitee_id bigint not null references users (id),
  milestone text not null check (milestone in ('identity_verified', 'first_top_up', 'first_bid')),
  reached_at timestamptz not null default now(),
  primary key (invitee_id, milestone)
);

create table referral_rewards (
  id bigint generated always as identity primary key,
  inviter_id bigint not null references users (id),
  invitee_id bigint not null references users (id),
  milestone text not null check (milestone in ('identity_verified', 'first_top_up', 'first_bid')),
  amount_fen bigint not null check (amount_fen > 0),
  journal_entry_id bigint not null references journal_entries (id),
  created_at timestamptz not null default now(),
  unique (invitee_id, milestone)
);
create index referral_rewards_inviter_idx on referral_rewards (inviter_id, id desc);

-- Append-only for the app's role: the rules' history, assessments, confirmations, milestones, rewards.
do $$
declare
  app_role text := coalesce(nullif(current_setting('p2p.app_role', true), ''), 'p2p_app');
  s text := current_schema();
begin
  if exists (select from pg_roles where rolname = app_role) then
    execute format('revoke update, delete on table %I.risk_level_rules, %I.risk_assessments, '
      '%I.risk_disclosure_acceptances, %I.referral_milestones, %I.referral_rewards from %I',
      s, s, s, s, s, app_role);
  end if;
end
$$;
