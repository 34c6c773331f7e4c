-- The column first: the new primary key names it (drizzle-kit wrote these in the other order).
ALTER TABLE "intercom_sent_events" ADD COLUMN "amplitude_project_id" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "intercom_sent_events" DROP CONSTRAINT "intercom_sent_events_workspace_id_event_name_created_at_user_key_pk";--> statement-breakpoint
ALTER TABLE "intercom_sent_events" ADD CONSTRAINT "intercom_sent_events_pk" PRIMARY KEY("workspace_id","event_name","created_at","user_key","amplitude_project_id");
