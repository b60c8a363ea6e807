CREATE TABLE `domains` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`root_url` text,
	`not_found_url` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `domains_name_unique` ON `domains` (`name`);--> statement-breakpoint
CREATE INDEX `domains_workspace_created_idx` ON `domains` (`workspace_id`,`created_at`);--> statement-breakpoint
DROP INDEX `links_short_id_unique`;--> statement-breakpoint
ALTER TABLE `links` ADD `domain` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `links_domain_short_id_idx` ON `links` (`domain`,`short_id`);--> statement-breakpoint
ALTER TABLE `clicks` ADD `domain` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `default_domain_id` text;--> statement-breakpoint
CREATE TRIGGER `domains_changed_insert` AFTER INSERT ON `domains` BEGIN UPDATE `link_changes` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `domains_changed_update` AFTER UPDATE ON `domains` BEGIN UPDATE `link_changes` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `domains_changed_delete` AFTER DELETE ON `domains` BEGIN UPDATE `link_changes` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
INSERT INTO `click_rollups` (`workspace_id`, `tenant_id`, `day`, `dim`, `key`, `clicks`)
  SELECT `workspace_id`, `tenant_id`, `day`, 'domain', '', `clicks` FROM `click_rollups` WHERE `dim` = 'total';
