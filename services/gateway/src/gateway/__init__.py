"""Gateway: public share pages, downloads, producer console."""
