DROP INDEX "destination_outbox_pending_idx";--> statement-breakpoint
DROP INDEX "source_inbox_pending_idx";--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "delivery_shard" integer;--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "delivery_state" text DEFAULT 'held' NOT NULL;--> statement-breakpoint
ALTER TABLE "destination_outbox" ADD COLUMN "shard" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "destination_outbox" ADD COLUMN "last_error" text;--> statement-breakpoint
ALTER TABLE "source_inbox" ADD COLUMN "shard" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "source_inbox" ADD COLUMN "last_error" text;--> statement-breakpoint
CREATE INDEX "destination_outbox_shard_pending_idx" ON "destination_outbox" USING btree ("shard","connection_id","next_attempt_at","id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "source_inbox_shard_pending_idx" ON "source_inbox" USING btree ("shard","connection_id","next_attempt_at","id") WHERE status = 'pending';--> statement-breakpoint
-- Connections that existed before delivery shards keep what their status meant for delivery; the worker
-- assigns their shard (and moves their pending rows to it) when it starts (src/delivery/shards.ts).
UPDATE "connections" SET "delivery_state" = CASE
  WHEN "status" IN ('Listening', 'Connected', 'Enabled') THEN 'active'
  WHEN "status" = 'Disabled' THEN 'discard'
  ELSE 'held' END;
