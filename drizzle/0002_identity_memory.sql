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
CREATE INDEX "source_identity_memory_expiry_idx" ON "source_identity_memory" USING btree ("workspace_id","expires_at");