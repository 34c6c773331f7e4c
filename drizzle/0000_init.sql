CREATE TABLE "connection_counters" (
	"connection_id" text NOT NULL,
	"name" text NOT NULL,
	"value" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "connection_counters_connection_id_name_pk" PRIMARY KEY("connection_id","name")
);
--> statement-breakpoint
CREATE TABLE "connections" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"amplitude_project_id" text,
	"amplitude_region" text,
	"intercom_workspace_id" text,
	"intercom_region" text,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"ingest_key_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credentials" (
	"connection_id" text NOT NULL,
	"kind" text NOT NULL,
	"sealed" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credentials_connection_id_kind_pk" PRIMARY KEY("connection_id","kind")
);
--> statement-breakpoint
CREATE TABLE "destination_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"connection_id" text NOT NULL,
	"insert_id" text NOT NULL,
	"kind" text NOT NULL,
	"payload" json NOT NULL,
	"user_key" text NOT NULL,
	"event_time" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"reason" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"parked_since" timestamp with time zone,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone,
	"lease_owner" text,
	"done_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "identity_cache" (
	"workspace_id" text NOT NULL,
	"field" text NOT NULL,
	"value" text NOT NULL,
	"contact_id" text,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "identity_cache_workspace_id_field_value_pk" PRIMARY KEY("workspace_id","field","value")
);
--> statement-breakpoint
CREATE TABLE "intercom_data_attributes" (
	"workspace_id" text NOT NULL,
	"name" text NOT NULL,
	"data_type" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "intercom_data_attributes_workspace_id_name_pk" PRIMARY KEY("workspace_id","name")
);
--> statement-breakpoint
CREATE TABLE "intercom_event_types" (
	"workspace_id" text NOT NULL,
	"event_name" text NOT NULL,
	"status" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "intercom_event_types_workspace_id_event_name_pk" PRIMARY KEY("workspace_id","event_name")
);
--> statement-breakpoint
CREATE TABLE "intercom_rate_budgets" (
	"workspace_id" text PRIMARY KEY NOT NULL,
	"limit_per_minute" integer,
	"remaining" integer,
	"reset_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intercom_sent_events" (
	"workspace_id" text NOT NULL,
	"event_name" text NOT NULL,
	"created_at" bigint NOT NULL,
	"user_key" text NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "intercom_sent_events_workspace_id_event_name_created_at_user_key_pk" PRIMARY KEY("workspace_id","event_name","created_at","user_key")
);
--> statement-breakpoint
CREATE TABLE "oauth_states" (
	"state_hash" text PRIMARY KEY NOT NULL,
	"connection_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "source_inbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"connection_id" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"notification_id" text,
	"topic" text NOT NULL,
	"payload" json NOT NULL,
	"origin" text DEFAULT 'webhook' NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"reason" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone,
	"lease_owner" text,
	"done_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "connection_counters" ADD CONSTRAINT "connection_counters_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credentials" ADD CONSTRAINT "credentials_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "destination_outbox" ADD CONSTRAINT "destination_outbox_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_states" ADD CONSTRAINT "oauth_states_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_inbox" ADD CONSTRAINT "source_inbox_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "connections_ingest_key_hash_uq" ON "connections" USING btree ("ingest_key_hash");--> statement-breakpoint
CREATE INDEX "connections_workspace_idx" ON "connections" USING btree ("intercom_workspace_id");--> statement-breakpoint
CREATE UNIQUE INDEX "destination_outbox_insert_uq" ON "destination_outbox" USING btree ("connection_id","insert_id");--> statement-breakpoint
CREATE INDEX "destination_outbox_user_idx" ON "destination_outbox" USING btree ("connection_id","user_key") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "destination_outbox_pending_idx" ON "destination_outbox" USING btree ("connection_id","next_attempt_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "destination_outbox_time_idx" ON "destination_outbox" USING btree ("connection_id","event_time");--> statement-breakpoint
CREATE INDEX "destination_outbox_done_idx" ON "destination_outbox" USING btree ("done_at") WHERE status <> 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "source_inbox_dedupe_uq" ON "source_inbox" USING btree ("connection_id","dedupe_key");--> statement-breakpoint
CREATE INDEX "source_inbox_pending_idx" ON "source_inbox" USING btree ("connection_id","next_attempt_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "source_inbox_done_idx" ON "source_inbox" USING btree ("done_at") WHERE status <> 'pending';