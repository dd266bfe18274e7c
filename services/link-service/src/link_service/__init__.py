"""Link service: catalog, share links, collaborator-share orchestration."""
