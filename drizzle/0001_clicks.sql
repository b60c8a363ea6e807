CREATE TABLE `clicks` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`link_id` text NOT NULL,
	`short_id` text NOT NULL,
	`partner_id` text,
	`external_id` text,
	`tenant_id` text,
	`created_at` integer NOT NULL,
	`destination` text NOT NULL,
	`referrer` text,
	`referrer_host` text,
	`utm` text,
	`visitor_id` text,
	`visitor_session_id` text,
	`browser_name` text,
	`browser_version` text,
	`os_name` text,
	`os_version` text,
	`device_type` text,
	`language` text,
	`country` text,
	`country_code` text,
	`city` text,
	`qr` integer DEFAULT 0 NOT NULL,
	`bot` integer DEFAULT 0 NOT NULL,
	`ip` text
);
--> statement-breakpoint
CREATE INDEX `clicks_workspace_created_idx` ON `clicks` (`workspace_id`,`created_at`) WHERE bot = 0;--> statement-breakpoint
CREATE INDEX `clicks_link_created_idx` ON `clicks` (`link_id`,`created_at`) WHERE bot = 0;--> statement-breakpoint
CREATE INDEX `clicks_partner_created_idx` ON `clicks` (`partner_id`,`created_at`) WHERE bot = 0;