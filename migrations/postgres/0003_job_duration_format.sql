ALTER TABLE "jobs" ADD COLUMN "duration_seconds" integer;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "aspect_ratio" text;