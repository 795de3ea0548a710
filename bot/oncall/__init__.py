"""On-call paging: when an urgent child waits and nobody is at the desk, the on-call
counselor is called on their own phone (the bot's Zalo OA or Messenger page, then e-mail),
and the next on the roster after a few minutes without an acknowledgement."""
