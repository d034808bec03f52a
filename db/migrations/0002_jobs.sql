-- Jobs and sandbox integrations: the message centre (消息中心), the sandbox outbox (SMS / e-mail), cron run
-- records and dead letters of the KV queue.

-- 消息中心: one row per in-site notification. dedupe_key makes the queue consumer idempotent.
create table messages (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id) on delete cascade,
  kind text not null check (length(kind) between 1 and 50),
  title text not null check (length(title) between 1 and 200),
  body text not null check (length(body) between 1 and 5000),
  read_at timestamptz,
  created_at timestamptz not null default now(),
  dedupe_key text not null unique check (length(dedupe_key) between 1 and 300)
);
create index messages_user_created_idx on messages (user_id, created_at desc, id desc);
create index messages_user_unread_idx on messages (user_id) where read_at is null;

-- Sandbox integrations write what they would have sent here; /dev/outbox shows it (never in production).
create table outbox (
  id bigint generated always as identity primary key,
  channel text not null check (channel in ('sms', 'email')),
  recipient text not null check (length(recipient) between 1 and 320),
  subject text check (subject is null or length(subject) <= 200),
  body text not null check (length(body) between 1 and 5000),
  created_at timestamptz not null default now(),
  dedupe_key text unique check (dedupe_key is null or length(dedupe_key) between 1 and 300)
);
create index outbox_created_idx on outbox (created_at desc, id desc);
-- per-recipient lookups: the sandbox SMS rate limit and "latest code sent to this number".
create index outbox_recipient_created_idx on outbox (channel, recipient, created_at desc);

-- One row per (cron job, run key — normally the Shanghai day). A run that is 'done' is never repeated.
create table job_runs (
  job text not null check (length(job) between 1 and 63),
  run_key text not null check (length(run_key) between 1 and 100),
  status text not null check (status in ('running', 'done', 'failed')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  detail jsonb not null default '{}'::jsonb,
  primary key (job, run_key)
);

-- Queue messages that failed every attempt (or could never succeed), kept for a person to look at.
create table dead_letters (
  id bigint generated always as identity primary key,
  queue text not null,
  message jsonb not null,
  error text not null,
  attempts integer not null check (attempts >= 0),
  created_at timestamptz not null default now()
);
create index dead_letters_created_idx on dead_letters (created_at desc);
