"""``micc demo``: the whole contact center on loopback, with real mail flowing.

Embedded IMAP and SMTP servers (:mod:`.servers`), customer e-mails
(:mod:`.generator`), the example workspace pointed at them
(:mod:`.workspace`), the composition root (:mod:`.runner`) and the consoles
around it (:mod:`.console`). See docs/demo.md.
"""
