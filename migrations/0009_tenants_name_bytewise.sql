-- Tenant lists are served in pages in bytewise name order (GET /api/tenants,
-- GET /api/dashboard: "name > the previous page's last ORDER BY name LIMIT
-- n"). The unique index on name sorts by the database's collation, which is
-- not bytewise unless the database was made with the C locale, so this one
-- lets a page read only its own tenants from the index instead of sorting
-- every tenant.
CREATE INDEX IF NOT EXISTS tenants_name_bytewise ON tenants (name COLLATE "C");
