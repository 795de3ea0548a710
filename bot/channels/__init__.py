"""One adapter per platform behind one interface. Raw platform JSON never leaves this package."""
