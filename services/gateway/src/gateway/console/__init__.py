"""The producer console's own parts (DESIGN §13): its session (cookie, CSRF token, origin
check), how a page is rendered, and what its pages show, computed from the services'
answers (no I/O). Its routes are in api/, the services' APIs in clients.py."""
