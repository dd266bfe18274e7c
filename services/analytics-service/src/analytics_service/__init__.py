"""Analytics service: views and downloads, aggregated."""
