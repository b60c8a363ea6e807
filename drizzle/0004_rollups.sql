CREATE TABLE `click_rollups` (
	`workspace_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`day` integer NOT NULL,
	`dim` text NOT NULL,
	`key` text NOT NULL,
	`clicks` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `dim`, `day`, `tenant_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `rollup_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`click_rowid` integer NOT NULL
);
