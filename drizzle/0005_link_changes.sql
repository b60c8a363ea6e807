CREATE TABLE `link_changes` (
	`id` integer PRIMARY KEY NOT NULL,
	`n` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `link_changes` (`id`, `n`) VALUES (1, 0);
--> statement-breakpoint
CREATE TRIGGER `links_changed_insert` AFTER INSERT ON `links` BEGIN UPDATE `link_changes` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `links_changed_update` AFTER UPDATE ON `links` BEGIN UPDATE `link_changes` SET `n` = `n` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `links_changed_delete` AFTER DELETE ON `links` BEGIN UPDATE `link_changes` SET `n` = `n` + 1 WHERE `id` = 1; END;
