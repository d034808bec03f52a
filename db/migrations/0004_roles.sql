-- 0004 roles: the application's database role may read and append the staff audit log, never change it
-- (OWASP ASVS 5.0 16.4.2). Migrations run as the owner of the tables (DATABASE_OWNER_URL); the app logs in
-- as the role named by the session setting p2p.app_role, which db/migrate.ts sets from the configuration
-- (the user of DATABASE_URL; default p2p_app). That role:
--   - owns nothing, so it cannot ALTER (… DISABLE TRIGGER), DROP or re-own a table;
--   - has SELECT, INSERT, UPDATE, DELETE on the tables, except audit_log (SELECT, INSERT only) and
--     schema_migrations (SELECT only); no TRUNCATE, TRIGGER or REFERENCES anywhere;
--   - cannot create objects in the schema (CREATE is revoked from PUBLIC here).
-- Not being a superuser, it cannot set session_replication_role either (which would silence triggers).
--
-- Roles belong to the whole cluster, grants to one database: the role is created only when missing (two
-- databases migrating at once may race; the loser finds it made), and the grants run in every database.
-- Default privileges give the role the same rights on tables that later migrations create — as long as
-- every migration runs as the same owner role. A later append-only table must revoke UPDATE and DELETE
-- from the app's role itself, as audit_log does below.
do $$
declare
  app_role text := coalesce(nullif(current_setting('p2p.app_role', true), ''), 'p2p_app');
  s text := current_schema();
begin
  if app_role = current_user then
    raise exception 'the app''s role (%) must not be the role that runs migrations: set DATABASE_OWNER_URL',
      app_role;
  end if;
  if not exists (select from pg_roles where rolname = app_role) then
    begin
      -- LOGIN without a password: under password authentication nobody can log in as it until the
      -- operator sets one (alter role … password …); under trust authentication (tests) it just works.
      execute format(
        'create role %I login nosuperuser nocreatedb nocreaterole noreplication nobypassrls', app_role);
    exception when duplicate_object or unique_violation then
      null; -- created meanwhile by a migration of another database
    end;
  end if;

  execute format('revoke create on schema %I from public', s);
  execute format('grant usage on schema %I to %I', s, app_role);
  execute format('grant select, insert, update, delete on all tables in schema %I to %I', s, app_role);
  execute format('grant usage, select on all sequences in schema %I to %I', s, app_role);
  execute format(
    'alter default privileges in schema %I grant select, insert, update, delete on tables to %I', s, app_role);
  execute format('alter default privileges in schema %I grant usage, select on sequences to %I', s, app_role);

  -- append-only: the hash-chained staff action log
  execute format('revoke all on table %I.audit_log from %I', s, app_role);
  execute format('grant select, insert on table %I.audit_log to %I', s, app_role);
  -- the schema is the migrator's business; the app only reads which versions are applied
  execute format('revoke all on table %I.schema_migrations from %I', s, app_role);
  execute format('grant select on table %I.schema_migrations to %I', s, app_role);
end
$$;
