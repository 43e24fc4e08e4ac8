"""micc-tui: the terminal consoles and the ``micc`` command line."""
