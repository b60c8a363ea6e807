CREATE INDEX `links_collection_idx` ON `links` (`collection_id`);--> statement-breakpoint
CREATE INDEX `sales_customer_created_idx` ON `sales` (`customer_id`,`created_at`);