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
ALTER TABLE "intercom_event_types" ADD COLUMN "last_used_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "intercom_identify_hashes_synced_idx" ON "intercom_identify_hashes" USING btree ("synced_at");