-- Names taken before last_used_at existed were taken by a send: their first use stands in for their last.
UPDATE "intercom_event_types" SET "last_used_at" = "first_seen_at" WHERE "status" = 'active' AND "last_used_at" IS NULL;
