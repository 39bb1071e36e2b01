CREATE TABLE `support_copies` (
	`chat_id` integer NOT NULL,
	`message_id` integer NOT NULL,
	`support_message_id` integer NOT NULL,
	PRIMARY KEY(`chat_id`, `message_id`),
	FOREIGN KEY (`support_message_id`) REFERENCES `support_messages`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `support_copies_message_idx` ON `support_copies` (`support_message_id`);--> statement-breakpoint
CREATE TABLE `support_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`thread_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`direction` text NOT NULL,
	`sender_tg_id` integer NOT NULL,
	`chat_id` integer NOT NULL,
	`message_id` integer NOT NULL,
	`kind` text NOT NULL,
	`text` text,
	`file_id` text,
	`delivery` text DEFAULT 'pending' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`thread_id`) REFERENCES `support_threads`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `support_messages_source_uq` ON `support_messages` (`chat_id`,`message_id`);--> statement-breakpoint
CREATE INDEX `support_messages_thread_idx` ON `support_messages` (`thread_id`,`id`);--> statement-breakpoint
CREATE INDEX `support_messages_user_idx` ON `support_messages` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `support_threads` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`answered_at` integer,
	`closed_at` integer,
	`closed_by` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `support_threads_open_uq` ON `support_threads` (`user_id`) WHERE status = 'open';--> statement-breakpoint
CREATE INDEX `support_threads_user_idx` ON `support_threads` (`user_id`,`id`);