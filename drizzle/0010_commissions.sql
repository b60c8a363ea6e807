CREATE TABLE `commissions` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`partner_id` text NOT NULL,
	`link_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`click_id` text NOT NULL,
	`event` text NOT NULL,
	`event_id` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`sale_amount` integer,
	`status` text NOT NULL,
	`available_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `commissions_workspace_created_idx` ON `commissions` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `commissions_partner_created_idx` ON `commissions` (`partner_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `partners` ADD `rewards` text;