"""Share links: one track or a playlist of up to 50, with download permissions and an expiry."""
