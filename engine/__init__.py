"""The contact center without a screen: domain, ports, router, store, connectors."""

import logging

# A library's logs go where the application sends them; with no handler set up
# (a console process running a standby engine) they must not fall through to
# logging's last-resort stderr handler and paint over the terminal UI.
logging.getLogger("micc").addHandler(logging.NullHandler())
