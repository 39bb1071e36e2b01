ALTER TABLE `jobs` ADD `duration_seconds` integer;--> statement-breakpoint
ALTER TABLE `jobs` ADD `aspect_ratio` text;