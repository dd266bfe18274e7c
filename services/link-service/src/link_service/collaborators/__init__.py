"""Sharing tracks with their collaborators through Dropbox: jobs, dots, removals."""
