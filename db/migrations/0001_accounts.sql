-- 0001 accounts: users, agreements, SMS codes, sessions, rate limits, staff, audit log.

create table users (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('investor', 'borrower')),
  phone_enc bytea not null,
  phone_hash text not null unique,
  email_enc bytea,
  display_name text,
  password_hash text,
  invite_code text unique,
  invited_by bigint references users (id),
  status text not null default 'active' check (status in ('active', 'disabled', 'closed')),
  created_at timestamptz not null default now()
);
create index users_invited_by_idx on users (invited_by) where invited_by is not null;
create index users_created_at_idx on users (created_at);

-- Acceptance of the user agreement and privacy policy, one row per document version.
create table user_agreements (
  user_id bigint not null references users (id),
  document text not null check (document in ('user_agreement', 'privacy_policy')),
  version text not null,
  accepted_at timestamptz not null default now(),
  ip text,
  primary key (user_id, document, version)
);

-- SMS verification codes: only a keyed hash of the code is stored.
create table sms_codes (
  id bigint generated always as identity primary key,
  phone_hash text not null,
  purpose text not null check (purpose in ('register', 'login', 'reset_password')),
  code_hash text not null,
  ip text,
  expires_at timestamptz not null,
  used_at timestamptz,
  attempts integer not null default 0 check (attempts >= 0),
  created_at timestamptz not null default now()
);
create index sms_codes_lookup_idx on sms_codes (phone_hash, purpose, id desc);
create index sms_codes_expires_at_idx on sms_codes (expires_at);

-- Sessions: the primary key is SHA-256 (hex) of the opaque id in the cookie; the raw id is never stored.
create table sessions (
  id_hash text primary key,
  subject_type text not null check (subject_type in ('user', 'staff')),
  subject_id bigint not null,
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  idle_expires_at timestamptz not null,
  absolute_expires_at timestamptz not null,
  -- least(idle_expires_at, absolute_expires_at): what loads and the purge job compare against
  expires_at timestamptz not null,
  ip text,
  user_agent text,
  check (expires_at = least(idle_expires_at, absolute_expires_at))
);
create index sessions_subject_idx on sessions (subject_type, subject_id);
create index sessions_expires_at_idx on sessions (expires_at);

-- Fixed-window counters with an optional lock, updated by one conditional upsert per event.
-- Keys: 'acct:<phone_hash>', 'staff:<username>', 'ip:<address>', 'sms:<purpose>:<phone_hash>', …
create table rate_limits (
  key text primary key,
  window_started_at timestamptz not null,
  count integer not null check (count >= 0),
  locked_until timestamptz,
  updated_at timestamptz not null
);
create index rate_limits_updated_at_idx on rate_limits (updated_at);

create table staff (
  id bigint generated always as identity primary key,
  username text not null unique check (username ~ '^[a-z][a-z0-9_.-]{1,31}$'),
  display_name text not null,
  role text not null check (role in ('super_admin', 'operations', 'risk', 'finance', 'customer_service', 'tech')),
  password_hash text not null,
  status text not null default 'active' check (status in ('active', 'disabled')),
  created_at timestamptz not null default now()
);

-- Append-only, hash-chained staff action log. hash = sha256(prev_hash ‖ canonical JSON of the row).
create table audit_log (
  id bigint generated always as identity primary key,
  staff_id bigint references staff (id),
  action text not null,
  target text,
  detail jsonb not null default '{}'::jsonb,
  ip text,
  created_at timestamptz not null,
  prev_hash text unique,
  hash text not null unique
);
create index audit_log_staff_idx on audit_log (staff_id, id);
create index audit_log_action_idx on audit_log (action, id);

create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only: % is not allowed', tg_op;
end;
$$;
create trigger audit_log_no_update_delete before update or delete on audit_log
  for each row execute function audit_log_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_append_only();
