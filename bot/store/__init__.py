"""Hot state in Redis: keys, sessions, the inbound stream, dedupe, locks."""
