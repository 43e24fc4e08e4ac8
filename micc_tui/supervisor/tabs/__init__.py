"""The supervisor console's tabs, one module each."""
