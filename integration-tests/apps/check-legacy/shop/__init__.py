"""The shop package: web.app serves customers, admin.app the back office."""
