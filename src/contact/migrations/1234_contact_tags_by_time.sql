-- The standard reports count the tags put on contacts in a period (CRM-19, CRM-26), by time.
create index contact_item_tags_tagged on contact_item_tags (force_id, tagged_at) include (tag);
