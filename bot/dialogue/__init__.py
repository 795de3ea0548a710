"""The dialogue engine: pure functions of (session, event, understanding), no I/O."""
