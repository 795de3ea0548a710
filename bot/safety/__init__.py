"""Safety screen: a reviewed lexicon that can only raise the action, never lower it."""
