"""The counselor console: login, the live queue, chats with children, cases, statistics."""
