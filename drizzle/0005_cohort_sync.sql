CREATE TABLE "cohort_members" (
	"connection_id" text NOT NULL,
	"cohort_id" text NOT NULL,
	"user_id" text NOT NULL,
	"contact_id" text,
	"member" boolean DEFAULT true NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	"tagged_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cohort_members_connection_id_cohort_id_user_id_pk" PRIMARY KEY("connection_id","cohort_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "cohort_resyncs" (
	"id" text PRIMARY KEY NOT NULL,
	"connection_id" text NOT NULL,
	"cohort_id" text NOT NULL,
	"cohort_name" text NOT NULL,
	"user_ids" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"applied_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "cohort_tags" (
	"connection_id" text NOT NULL,
	"cohort_id" text NOT NULL,
	"tag_id" text NOT NULL,
	"tag_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cohort_tags_connection_id_cohort_id_pk" PRIMARY KEY("connection_id","cohort_id")
);
--> statement-breakpoint
ALTER TABLE "cohort_members" ADD CONSTRAINT "cohort_members_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cohort_resyncs" ADD CONSTRAINT "cohort_resyncs_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cohort_tags" ADD CONSTRAINT "cohort_tags_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;