"""python-compat: runs App Engine Standard python27 apps unchanged in any container host."""
