-- The inbox and outbox rows are updated in place (lease, then delivered): leave room on each page so
-- those updates can be HOT (no index writes when only non-indexed columns change).
ALTER TABLE "source_inbox" SET (fillfactor = 80);--> statement-breakpoint
ALTER TABLE "destination_outbox" SET (fillfactor = 80);
