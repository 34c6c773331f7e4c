CREATE TABLE "intercom_identify_hashes" (
	"workspace_id" text NOT NULL,
	"field" text NOT NULL,
	"value" text NOT NULL,
	"hash" text NOT NULL,
	"contact_id" text NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "intercom_identify_hashes_workspace_id_field_value_pk" PRIMARY KEY("workspace_id","field","value")
);
--> statement-breakpoint
CREATE TABLE "source_identity_memory" (
	"workspace_id" text NOT NULL,
	"mapping" text NOT NULL,
	"contact_id" text NOT NULL,
	"user_id" text,
	"resolved_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "source_identity_memory_workspace_id_mapping_contact_id_pk" PRIMARY KEY("workspace_id","mapping","contact_id")
);
--> statement-breakpoint
ALTER TABLE "intercom_event_types" ADD COLUMN "last_used_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "intercom_identify_hashes_synced_idx" ON "intercom_identify_hashes" USING btree ("synced_at");--> statement-breakpoint
CREATE INDEX "source_identity_memory_expiry_idx" ON "source_identity_memory" USING btree ("workspace_id","expires_at");--> statement-breakpoint
-- Names taken before last_used_at existed were taken by a send: their first use stands in for their last.
UPDATE "intercom_event_types" SET "last_used_at" = "first_seen_at" WHERE "status" = 'active' AND "last_used_at" IS NULL;
