"""A merchant moved between clusters: every document of its own read at one snapshot into files with a manifest
(`jike export-merchant`), and those files loaded into another database and checked against the manifest
(`jike import-merchant`)."""
