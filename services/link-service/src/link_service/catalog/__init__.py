"""The producers' catalogs: tracks, their files and collaborators, by bucket and group."""
