-- The transactional outbox: every side effect that leaves Postgres (SMS, e-mail, queue work, and later
-- custody and payment instructions) is a row here, written in the same transaction as its cause. A relay
-- (jobs/outbox_relay.ts) claims due rows, delivers them through the gateways after commit, and marks them.
create table outbox_events (
  id bigint generated always as identity primary key,
  topic text not null check (topic ~ '^[a-z][a-z0-9_.]{0,62}$'),
  -- what may be read in the clear (ids, kinds)
  payload jsonb not null default '{}'::jsonb,
  -- the sensitive part (phone numbers, e-mail addresses, texts carrying codes), AES-GCM encrypted with the
  -- PII key; erased once the event is finished
  secret bytea,
  -- publishing the same dedupe key twice writes one event
  dedupe_key text unique check (dedupe_key is null or length(dedupe_key) between 1 and 300),
  status text not null default 'pending' check (status in ('pending', 'done', 'dead', 'expired')),
  attempts integer not null default 0 check (attempts >= 0),
  available_at timestamptz not null default now(),
  -- not delivered after this time (an SMS code that has expired is never sent late)
  expires_at timestamptz,
  -- a relay's lease: while it runs no other relay claims the row; an expired lease is claimable again
  claimed_until timestamptz,
  claim_token uuid,
  last_error text check (last_error is null or length(last_error) <= 2000),
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create index outbox_events_due_idx on outbox_events (available_at, id) where status = 'pending';
create index outbox_events_finished_idx on outbox_events (finished_at) where status <> 'pending';

-- The sandbox gateways' record of what they "sent" (was `outbox`; renamed so that "outbox" means one
-- thing). Rows expire: the daily purge deletes them after `expires_at`.
alter table outbox rename to sandbox_messages;
alter index outbox_pkey rename to sandbox_messages_pkey;
alter index outbox_created_idx rename to sandbox_messages_created_idx;
alter index outbox_recipient_created_idx rename to sandbox_messages_recipient_created_idx;
alter table sandbox_messages rename constraint outbox_dedupe_key_key to sandbox_messages_dedupe_key_key;
alter table sandbox_messages add column expires_at timestamptz not null default now() + interval '7 days';
create index sandbox_messages_expires_idx on sandbox_messages (expires_at);
