"""Whether each producer's Dropbox is connected, as dropbox-service announced it."""
