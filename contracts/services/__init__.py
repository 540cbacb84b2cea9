"""State changes of trials, votes and contracts: one function per transition."""
