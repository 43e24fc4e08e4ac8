"""Writing aids for the composer: the group's responses, the spelling check, attachments.

Part of the agent facade (:class:`engine.service.ContactCenter` inherits
:class:`WritingAids`); kept apart so the facade reads as queues, reading and
sending. Every method blocks and is meant for a worker thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path

from engine import archive, attachments, queue
from engine.attachments import Listing
from engine.config import AgentConfig, Config, ServiceGroupConfig
from engine.drafts import Draft, context_for
from engine.errors import MiccError, Refused
from engine.responses import Response, ResponseLibrary, ResponseTree
from engine.spelling import (
    IgnoreList,
    Misspelling,
    Spelling,
    add_ignored_word,
    ignored_words,
)
from engine.store import Store
from engine.templates import TemplateContext, html_reply, html_to_text


class WritingAids:
    """Responses, spelling and attachments for one agent (mixed into the facade)."""

    # Provided by the facade.
    config: Config
    agent: AgentConfig
    clock: Callable[[], datetime]
    _lock: threading.Lock
    _libraries: dict[str, ResponseLibrary]
    _spelling: Spelling | None

    @property
    def store(self) -> Store:
        """This thread's store (the facade opens it)."""
        raise NotImplementedError

    @property
    def groups(self) -> tuple[str, ...]:
        """The agent's service groups (the facade knows them)."""
        raise NotImplementedError

    def group(self, name: str) -> ServiceGroupConfig:
        """A service group by name (the facade looks it up)."""
        raise NotImplementedError

    def responses(self, group_name: str) -> ResponseTree | None:
        """The group's response tree (re-read when its file changed); None without one."""
        with self._lock:
            library = self._libraries.get(group_name)
            if library is None:
                library = ResponseLibrary.for_group(self.group(group_name))
                if library is None:
                    return None
                self._libraries[group_name] = library
        return library.tree()

    def render_response(self, draft: Draft, response: Response) -> str:
        """A response's text for the draft, ``$Identifiers$`` filled in, HTML made text."""
        rendered = response.render(self._context(draft))
        return html_to_text(rendered.text) if rendered.html else rendered.text

    def _context(self, draft: Draft) -> TemplateContext:
        group = self.group(draft.group)
        item = original = None
        if draft.conversation_id is not None:
            item = queue.get_item(self.store, draft.conversation_id)
            if item is not None and item.message is not None:
                original = archive.get(self.store, item.message)
        return context_for(
            group, self.agent, self.config, item=item, original=original, now=self.clock()
        )

    def html_responses(self, draft: Draft) -> tuple[tuple[str, str], ...]:
        """The group's HTML responses rendered for ``draft``, as (text inserted, HTML).

        An HTML e-mail carries a response the agent inserted and left as it
        was as the response's HTML: the composer shows its text, and the text
        is found again at sending. Empty for a text-only e-mail, or when the
        group's response file cannot be read (the e-mail still goes).
        """
        if draft.html_opening is None:
            return ()
        try:
            tree = self.responses(draft.group)
        except MiccError:
            return ()
        if tree is None:
            return ()
        context = self._context(draft)
        found = (r.render(context) for r in tree.responses() if r.html)
        return tuple((html_to_text(r.text), r.text) for r in found)

    def preview(self, draft: Draft) -> str:
        """What the customer will read, as text: an HTML e-mail's HTML part made text."""
        if draft.html_opening is None:
            return draft.body
        return html_reply.preview(draft.body, draft.html_opening, self.html_responses(draft))

    @property
    def spelling(self) -> Spelling:
        """The spelling service (dictionaries load lazily, in the background)."""
        with self._lock:
            if self._spelling is None:
                site = self.config.spelling.site_folder
                self._spelling = Spelling(site, default_culture=self.config.locale)
            return self._spelling

    def spelling_cultures(self) -> list[str]:
        """Culture names with an installed dictionary."""
        return [c.culture for c in self.spelling.cultures()]

    def check_spelling(
        self, text: str, culture: str, names: Collection[str] = ()
    ) -> list[Misspelling]:
        """Words of ``text`` the culture's dictionary does not know.

        Args:
            text: the body being written.
            culture: the dictionary's culture name.
            names: words accepted for this e-mail only: the customer's, the agent's and
                the group's names (:attr:`Draft.names`).
        """
        ignored = ignored_words(self.store, culture, agent_id=self.agent.id, groups=self.groups)
        if names:
            ignored = IgnoreList(ignored.words | frozenset(names))
        return self.spelling.checker(culture).check_text(text, ignored)

    def suggest(self, word: str, culture: str, budget_s: float = 0.5) -> list[str]:
        """Suggestions for a misspelling, found within about ``budget_s`` seconds."""
        job = self.spelling.suggest(word, culture, budget_s=budget_s)
        try:
            return job.result(timeout=budget_s + 30)
        except TimeoutError:
            job.cancel()
            return job.best_so_far()

    def ignore_word(self, word: str, culture: str) -> None:
        """Never mark ``word`` again for this agent in this culture."""
        add_ignored_word(self.store, scope="agent", owner=self.agent.id, culture=culture, word=word)

    # -- attachments --------------------------------------------------------------

    def attachment_folders(self, group_name: str) -> tuple[Path, ...]:
        """The folders files for ``group_name``'s e-mails may come from (none: not set up).

        Reads only the config: cheap enough for the UI thread.
        """
        return attachments.folders_for(self.config, group_name)

    def attachable_files(self, group_name: str, text: str = "") -> Listing:
        """Files under the group's allowed folders whose path holds every word of ``text``."""
        return attachments.listing(self.config, group_name, text)

    def attach(self, draft: Draft, path: Path | str) -> Draft:
        """``draft`` with the file at ``path`` attached, if it may be.

        Raises:
            Refused: attaching is not set up for the draft's group; the file is
                outside its allowed folders (symlinks followed), the store or a
                secret, not a regular file, too big, or already attached.
        """
        checked = attachments.check(self.config, draft.group, path, others=draft.attachments)
        if checked.path in draft.attachments:
            raise Refused(f"{checked.path.name} is already attached")
        return draft.edited(attachments=(*draft.attachments, checked.path))
