"""Evidence items of a case (hash-chained, never edited in place) and repeat targets: the
same account, phone or bank account named in several cases."""
