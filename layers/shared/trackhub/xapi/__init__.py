"""xAPI statements: the one statement store (collector tracks and LRS writes) and its read query."""
