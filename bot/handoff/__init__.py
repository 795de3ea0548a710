"""Handing a conversation to a counselor: the queue, the relay, the notices."""
