"""SMTP sink: keeps every mail it is sent and lists them over HTTP."""
