"""Dropbox service: Dropbox connection, temporary links, folder and file sharing."""
