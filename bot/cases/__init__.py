"""Durable records in the SQL database: cases, contacts, transcripts, audit log, statistics."""
