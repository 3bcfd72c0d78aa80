-- Every replica keeps the rows of returning users in memory (src/user/returning-user-cache.ts,
-- docs/decisions/027). A committed change to a row tells every replica which user to forget:
-- NOTIFY is delivered to all listening sessions on commit, whichever connection made the change.
-- Inserts need no notice (no replica can hold a row that did not exist), and an update that
-- changes nothing (a redelivered event) sends none.
CREATE FUNCTION notify_users_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('users_changed', OLD.zitadel_user_id);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER users_updated_notify AFTER UPDATE ON users
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION notify_users_changed();
--> statement-breakpoint
CREATE TRIGGER users_deleted_notify AFTER DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION notify_users_changed();
