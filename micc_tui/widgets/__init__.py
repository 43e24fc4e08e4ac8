"""Widgets shared by the consoles: untrusted-text helpers and the windowed queue table."""
