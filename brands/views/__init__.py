"""The brand manager's workspace: category tree, SKU ↔ leaf mapping, SKUs, brands.

Read pages are open to every signed-in role; writes are POST-only and limited to brand
managers and admins. Every write works with htmx (the page's partial comes back with the
message) and without JavaScript (POST → redirect → GET)."""
