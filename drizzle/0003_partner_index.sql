DROP INDEX `clicks_partner_created_idx`;--> statement-breakpoint
CREATE INDEX `clicks_partner_created_idx` ON `clicks` (`partner_id`,`created_at`) WHERE bot = 0 AND partner_id IS NOT NULL;