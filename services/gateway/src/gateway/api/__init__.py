"""HTTP routes of the gateway: the public share pages and the console."""
