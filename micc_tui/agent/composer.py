"""The composer: From (per the group's rule), To, Cc, Subject, the body and attachments.

Responses come from the group's response tree (Ctrl+R) or a ``::shortcut``
followed by a space. Misspellings are checked in a worker shortly after the
agent stops typing and underlined; F7 walks through them with suggestions.
Sending (or sending to review) also runs in a worker.

What the agent writes is kept in the store every few seconds and restored
when the same e-mail is opened again (:mod:`micc_tui.agent.autosave`).

Workers get what they need from the widgets as arguments, read on the UI
thread. Their errors are shown by the app (:mod:`micc_tui.workers`); a send
that fails leaves the e-mail as it was, to send again.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Label, Static, TextArea
from textual.worker import Worker

from engine import dates
from engine.attachments import not_set_up
from engine.errors import MiccError
from engine.lifecycle import ConversationMoved
from engine.mail.addresses import typed_recipients
from engine.responses import Response, ResponseTree
from engine.responses.shortcuts import shortcut_before
from engine.service import ContactCenter, Correspondent, Draft, RestoredDraft, SendResult
from micc_tui.agent.address_completion import AddressInput
from micc_tui.agent.attach_picker import AttachPicker
from micc_tui.agent.autosave import KeepsDraft
from micc_tui.agent.offers import OfferBanner
from micc_tui.agent.pickers import ResponsePicker, SuggestionPicker
from micc_tui.agent.preview import PREVIEW_KEY, show_preview
from micc_tui.agent.spell_area import Marked, SpellTextArea
from micc_tui.agent.waiting import reminder_prompt, send_and_wait_refusal
from micc_tui.widgets.inert_fields import InertInput
from micc_tui.widgets.safe import one_line
from micc_tui.widgets.trail import MovedChoice, MovedOn
from micc_tui.workers import ReportsWorkerFailures, in_words

#: Seconds of quiet typing before the spelling is checked again.
CHECK_DELAY = 0.35
TITLES = {"reply": "Reply", "reply_all": "Reply all", "forward": "Forward", "new": "New e-mail"}


class ComposerScreen(Screen[SendResult | None], KeepsDraft, ReportsWorkerFailures):
    """Write and send one e-mail (``restored``: over it, the draft the agent had saved)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Send"),
        Binding("ctrl+r", "responses", "Responses"),
        Binding("f7", "next_misspelling", "Spelling", priority=True),  # TextArea has F7 too
        Binding("ctrl+l", "language", "Language"),
        Binding("ctrl+t", "attach", "Attach"),
        Binding("escape", "cancel", "Cancel"),
        Binding(PREVIEW_KEY, "preview", "Preview"),
        Binding("ctrl+n", "start_over", "Start over", show=False),
        Binding("f9", "send_and_wait", "Send & wait", show=False),
    ]

    class Checked(Message):
        """Spelling results for a version of the body."""

        def __init__(self, text: str, marks: list[Marked], problem: str = "") -> None:
            self.text = text
            self.marks = marks
            self.problem = problem
            super().__init__()

    def __init__(
        self, center: ContactCenter, draft: Draft, restored: RestoredDraft | None = None
    ) -> None:
        super().__init__()
        self.center = center
        self.start_keeping(draft, restored)
        self.draft = draft = restored.draft if restored is not None else draft
        self.culture = draft.locale
        self.review = center.group(draft.group).review_before_sending
        self._check_timer: Timer | None = None
        self._cancel_armed = False
        self._sending = False
        #: Ctrl+S was pressed once on an empty subject: the next one sends without.
        self._no_subject_armed = False
        #: What sending said ("Not sent: ..."): kept on the status line until the
        #: agent types again, whatever a spelling check reports meanwhile.
        self._outcome = ""

    def compose(self) -> ComposeResult:
        draft = self.draft
        # An e-mail offered meanwhile shows here too; it takes no focus from the writing.
        yield OfferBanner(on_desk=False, id="offer-banner")
        with Vertical(id="composer-head"):
            yield Label(self._title(draft), id="composer-title")
            if draft.sent_back:
                yield Static(
                    Content("Sent back by " + one_line(draft.sent_back)), id="composer-sent-back"
                )
            with Horizontal(classes="field"):
                yield Label("From", classes="field-label")
                yield Static(Content(one_line(draft.from_address)), id="composer-from")
            for name, value in (
                ("To", ", ".join(draft.to)),
                ("Cc", ", ".join(draft.cc)),
                ("Subject", draft.subject),
            ):
                with Horizontal(classes="field"):
                    yield Label(name, classes="field-label")
                    # E-mail text: made inert as it enters the field (and as typed).
                    # To and Cc complete addresses from the group's archive.
                    yield (
                        InertInput(value, id=f"composer-{name.lower()}", compact=True)
                        if name == "Subject"
                        else AddressInput(value, lookup=self._lookup, id=f"composer-{name.lower()}")
                    )
                # What is wrong with the field, under it (shown only then).
                yield Static(id=f"composer-{name.lower()}-problem", classes="field-problem")
        yield SpellTextArea(draft.body, id="composer-body")
        yield Static(id="composer-status")
        yield Footer()

    def _lookup(self, typed: str) -> list[Correspondent]:
        """Addresses of the group's archive to complete To and Cc with (a worker calls it)."""
        return self.center.correspondents(self.draft.group, typed)

    def _title(self, draft: Draft) -> Content:
        return Content(
            f"{TITLES.get(draft.kind, 'E-mail')} · {one_line(draft.group)}"
            + (" · goes to review before sending" if self.review else "")
        )

    def _show_draft(self, draft: Draft) -> None:
        """Put ``draft`` in the fields instead of what they hold (starting over)."""
        self.draft = draft
        self.query_one("#composer-title", Label).update(self._title(draft))
        for name, value in (("to", ", ".join(draft.to)), ("cc", ", ".join(draft.cc))):
            self.query_one(f"#composer-{name}", Input).value = value
        self.query_one("#composer-subject", Input).value = draft.subject
        body = self.query_one("#composer-body", SpellTextArea)
        body.load_text(draft.body)
        body.move_cursor((min(draft.answer_row, body.document.line_count - 1), 0))
        body.focus()

    def on_mount(self) -> None:
        body = self.query_one("#composer-body", SpellTextArea)
        if not self.draft.to:
            self.query_one("#composer-to", Input).focus()
        else:
            body.focus()
        # The cursor goes on the answer line now, so keys typed at once land there.
        body.move_cursor((min(self.draft.answer_row, body.document.line_count - 1), 0))
        # Before the first layout the body has no size: moving the cursor scrolled a
        # zero-height view, and the greeting would stay scrolled away once it is sized.
        self.call_after_refresh(self._show_top)
        self.keeping_mounted()
        self._status()
        self.check_spelling(body.text, self.culture)

    def _show_top(self, tries: int = 5) -> None:
        """Once the body has a size: its top in view, and the cursor (never moved here)."""
        body = self.query_one("#composer-body", SpellTextArea)
        if not body.size.height and tries:
            self.call_after_refresh(self._show_top, tries - 1)
            return
        body.scroll_to(0, 0, animate=False, immediate=True)
        body.scroll_cursor_visible()

    def _status(self, notice: str = "") -> None:
        body = self.query_one("#composer-body", SpellTextArea)
        parts = [f"Language {self.culture}", f"{len(body.marked)} misspelled"]
        if self.draft.attachments:
            parts.append("Attached: " + ", ".join(one_line(p.name) for p in self.draft.attachments))
        for said in (self._outcome, self.keeping_notice(), notice):
            if said and said not in parts:
                parts.append(one_line(said))
        self.query_one("#composer-status", Static).update(Content("  │  ".join(parts)))

    # -- typing ---------------------------------------------------------------------

    @on(TextArea.Changed, "#composer-body")
    def _changed(self, event: TextArea.Changed) -> None:
        self._cancel_armed = False
        self.draft_changed()
        self._outcome = ""
        area = self.query_one("#composer-body", SpellTextArea)
        if self._expand_shortcut(area):
            return
        if self._check_timer is not None:
            self._check_timer.stop()
        self._check_timer = self.set_timer(
            CHECK_DELAY, lambda: self.check_spelling(area.text, self.culture)
        )

    def _expand_shortcut(self, area: SpellTextArea) -> bool:
        row, column = area.cursor_location
        line = area.document[row]
        if column == 0 or not line[column - 1].isspace():
            return False
        found = shortcut_before(line, column - 1)
        if found is None:
            return False
        self.expand_shortcut_async(
            self._current(), found.word, (row, found.start), (row, found.end)
        )
        return True

    @work(thread=True, group="shortcut", exit_on_error=False, description="expand_shortcut_async")
    def expand_shortcut_async(
        self, draft: Draft, word: str, start: tuple[int, int], end: tuple[int, int]
    ) -> None:
        """Replace ``::word`` with its response rendered for ``draft``, if the group has one."""
        tree = self.center.responses(draft.group)
        response = tree.shortcut(word) if tree else None
        if response is None:
            return
        text = self.center.render_response(draft, response)
        self.app.call_from_thread(self._replace, text, start, end, word)

    def _replace(self, text: str, start: tuple[int, int], end: tuple[int, int], word: str) -> None:
        area = self.query_one("#composer-body", SpellTextArea)
        if area.document.get_text_range(start, end) == f"::{word}":
            area.replace(text, start, end)

    @work(
        thread=True,
        exclusive=True,
        group="spelling",
        exit_on_error=False,
        description="check_spelling",
    )
    def check_spelling(self, text: str, culture: str) -> None:
        """Find misspellings of one version of the body in ``culture``."""
        try:
            found = self.center.check_spelling(text, culture, self.draft.names)
        except MiccError as exc:
            # Checked on every pause in typing: a status line, not a notification each time.
            self.post_message(self.Checked(text, [], str(exc)))
            return
        marks = [Marked(m.word, m.line - 1, m.column - 1) for m in found]
        self.post_message(self.Checked(text, marks))

    def on_composer_screen_checked(self, message: Checked) -> None:
        area = self.query_one("#composer-body", SpellTextArea)
        if message.text != area.text:
            return
        area.mark(message.marks)
        self._status(message.problem)

    # -- keys -----------------------------------------------------------------------

    def action_next_misspelling(self) -> None:
        """Select the next misspelled word and offer suggestions."""
        area = self.query_one("#composer-body", SpellTextArea)
        mark = area.next_marked()
        if mark is None:
            self._status("No misspellings.")
            return
        area.focus()
        area.selection = area.selection.__class__((mark.row, mark.column), mark.end)
        self._status(f"Looking for suggestions for {mark.word}…")
        self.suggest(mark, self.culture)

    @work(thread=True, exclusive=True, group="suggest", exit_on_error=False, description="suggest")
    def suggest(self, mark: Marked, culture: str) -> None:
        """Find suggestions (within a time budget), then let the agent pick one."""
        words = self.center.suggest(mark.word, culture)
        self.app.call_from_thread(self._pick_suggestion, mark, words)

    def _pick_suggestion(self, mark: Marked, words: list[str]) -> None:
        def picked(choice: str | None) -> None:
            self._fix(mark, choice)

        self._status()  # "Looking for suggestions…" is over: they are shown
        self.app.push_screen(SuggestionPicker(mark.word, words), picked)

    def _fix(self, mark: Marked, choice: str | None) -> None:
        area = self.query_one("#composer-body", SpellTextArea)
        if choice is None:
            self._status()
        elif choice == SuggestionPicker.IGNORE:
            self.ignore(mark.word, self.culture)
        elif area.document.get_text_range((mark.row, mark.column), mark.end) == mark.word:
            area.replace(choice, (mark.row, mark.column), mark.end)

    @work(thread=True, group="ignore", exit_on_error=False, description="ignore")
    def ignore(self, word: str, culture: str) -> None:
        """Remember a word as correct in ``culture`` for this agent, then check again."""
        self.center.ignore_word(word, culture)
        self.app.call_from_thread(self._recheck)

    def _recheck(self, notice: str = "") -> None:
        self._status(notice)
        self.check_spelling(self.query_one("#composer-body", SpellTextArea).text, self.culture)

    def action_language(self) -> None:
        """Switch the spelling language to the next installed dictionary."""
        self.switch_language(self.culture)

    @work(thread=True, group="language", exit_on_error=False, description="switch_language")
    def switch_language(self, culture: str) -> None:
        """Find the installed culture after ``culture``, then check the spelling in it."""
        cultures = self.center.spelling_cultures() or [culture]
        index = cultures.index(culture) if culture in cultures else -1
        self.app.call_from_thread(self._use_language, cultures[(index + 1) % len(cultures)])

    def _use_language(self, culture: str) -> None:
        if culture == self.culture:
            # One dictionary installed: pressing Ctrl+L again and again would say nothing.
            self._status(f"Only {culture} is installed: micc spelling install adds more")
            return
        self.culture = culture
        self.draft_changed()
        self._recheck(f"Spelling: {culture}")

    def action_responses(self) -> None:
        """Open the group's response tree."""
        self.load_responses()

    @work(
        thread=True,
        exclusive=True,
        group="responses",
        exit_on_error=False,
        description="load_responses",
    )
    def load_responses(self) -> None:
        """Read the response tree off the UI thread, then show it."""
        tree = self.center.responses(self.draft.group)
        if tree is None:
            self.app.call_from_thread(self.notify, "This group has no responses.")
            return
        self.app.call_from_thread(self._pick_response, tree)

    def _pick_response(self, tree: ResponseTree) -> None:
        self.app.push_screen(ResponsePicker(tree), self._insert)

    def _insert(self, response: Response | None) -> None:
        if response is not None:
            self.render_and_insert(self._current(), response)

    @work(
        thread=True,
        group="responses-insert",
        exit_on_error=False,
        description="render_and_insert",
    )
    def render_and_insert(self, draft: Draft, response: Response) -> None:
        """Render a response for ``draft`` (the e-mail as typed) and insert it at the cursor."""
        text = self.center.render_response(draft, response)

        def insert() -> None:
            area = self.query_one("#composer-body", SpellTextArea)
            area.insert(text)
            area.focus()

        self.app.call_from_thread(insert)

    def action_attach(self) -> None:
        """Pick a file from the group's attachment folders; the engine checks it."""
        group = self.draft.group
        if not self.center.attachment_folders(group):
            self.notify(not_set_up(group), title="Cannot attach", severity="warning", markup=False)
            return

        def picked(path: Path | None) -> None:
            if path is not None:
                self.attach_file(self.draft, path)

        self.app.push_screen(AttachPicker(self.center, group), picked)

    @work(thread=True, group="attach", exit_on_error=False, description="attach_file")
    def attach_file(self, draft: Draft, path: Path) -> None:
        """Attach ``path`` if the engine allows it (folders, symlinks, size); else say why."""
        attached = self.center.attach(draft, path)
        self.app.call_from_thread(self._attached, attached.attachments[-1])

    def _attached(self, file: Path) -> None:
        if file not in self.draft.attachments:
            self.draft = self.draft.edited(attachments=(*self.draft.attachments, file))
            self.draft_changed()
        self._status()

    def action_preview(self) -> None:
        """Show what the customer will read (an HTML e-mail's HTML part, as text)."""
        show_preview(self, self.center, self._current())

    def action_cancel(self) -> None:
        """Close without sending (asks once more first)."""
        if not self._cancel_armed:
            self._cancel_armed = True
            self._status("Press Escape again to discard this e-mail.")
            return
        self.discard_draft()

    def _current(self) -> Draft:
        """The e-mail as typed so far (reads the widgets: UI thread only)."""
        return self.draft.edited(
            to=typed_recipients(self.query_one("#composer-to", Input).value)[0],
            cc=typed_recipients(self.query_one("#composer-cc", Input).value)[0],
            subject=self.query_one("#composer-subject", Input).value,
            body=self.query_one("#composer-body", SpellTextArea).text,
            locale=self.culture,
        )

    @on(Input.Changed, "#composer-to, #composer-cc, #composer-subject")
    def _field_changed(self, event: Input.Changed) -> None:
        if event.input.id == "composer-subject":
            self._no_subject_armed = False
        self.draft_changed()
        self._problem(str(event.input.id), "")

    def _problem(self, field: str, words: str) -> None:
        """Show what is wrong under a field (``words`` empty: nothing is)."""
        shown = self.query_one(f"#{field}-problem", Static)
        shown.update(Content(words))
        shown.set_class(bool(words), "-shown")

    def _ready(self) -> bool:
        """Whether the e-mail may go: every recipient an address, the subject asked about."""
        fields = {name: self.query_one(f"#composer-{name}", Input) for name in ("to", "cc")}
        found = {name: typed_recipients(field.value) for name, field in fields.items()}
        wrong = ""
        for name, (good, bad) in found.items():
            words = ""
            if bad:
                words = "Not an e-mail address: " + "; ".join(one_line(b) for b in bad)
            elif name == "to" and not good and not found["cc"][0]:
                words = "Write the address the e-mail goes to."
            self._problem(f"composer-{name}", words)
            wrong = wrong or (name if words else "")
        if wrong:
            fields[wrong].focus()
            return False
        subject = self.query_one("#composer-subject", Input)
        if not subject.value.strip() and not self._no_subject_armed:
            self._no_subject_armed = True
            self._problem("composer-subject", "No subject: Ctrl+S again sends it without one.")
            subject.focus()
            return False
        return True

    def action_send(self) -> None:
        """Send the e-mail (or hand it to a supervisor for review), once it may go."""
        if not self._sending and self._ready():
            self._sending = True
            self._outcome = ""
            self._status("Sending…")
            self.send(self._current())

    def action_send_and_wait(self) -> None:
        """Send the reply, then wait for the customer's answer (asks when to remind you)."""
        refusal = send_and_wait_refusal(self.draft.kind, self.review)
        if refusal:
            self._status(refusal)
            return
        if self._sending or not self._ready():
            return

        def chosen(reminder: str | None) -> None:
            if reminder and not self._sending:
                self._sending = True
                self._outcome = ""
                self._status("Sending…")
                self.send(self._current(), reminder)

        self.app.push_screen(reminder_prompt(self.center), chosen)

    @work(thread=True, exclusive=True, group="send", exit_on_error=False, description="send")
    def send(self, draft: Draft, wait: str | None = None) -> None:
        """Hand the e-mail to the outbox (refused when the e-mail moved on meanwhile).

        With ``wait`` (a reminder, or ``no reminder``), the answered e-mail then
        waits for the customer.
        """
        try:
            with self.handing_over():  # a save under way cannot bring the draft back
                result = self.center.send(draft)
        except ConversationMoved as moved:
            self.app.call_from_thread(self._moved_on, moved, draft)
            return
        if wait is not None and draft.conversation_id is not None:
            due = self.center.wait_for_customer(draft.conversation_id, wait)
            when = f"reminder {dates.date_time(due)}" if due else "no reminder"
            result = replace(result, waiting=when)
        self.app.call_from_thread(self._sent, result)

    def _moved_on(self, moved: ConversationMoved, draft: Draft) -> None:
        """Released, transferred or answered by someone else: say so, keep the text."""
        self._sending = False
        story = moved.story(self.center.name_of)
        self._outcome = "Not sent: " + (story or moved.explain(self.center.name_of))
        self._status()
        self.app.push_screen(
            MovedOn(moved, self.center.name_of, what="Your reply was not sent"),
            lambda choice: self._after_moved_on(choice, draft),
        )

    def _after_moved_on(self, choice: MovedChoice | None, draft: Draft) -> None:
        if choice == "note" and draft.conversation_id is not None:
            self.keep_as_note(draft.conversation_id, draft.body)
        elif choice == "copy":
            self.app.copy_to_clipboard(draft.body)
            self._status("Copied: the text is on the clipboard, and still here.")
        elif choice == "discard":
            self.discard_draft()

    @work(thread=True, group="note", exit_on_error=False, description="keep_as_note")
    def keep_as_note(self, conversation_id: int, text: str) -> None:
        """Keep the text that could not be sent as an internal note, then close."""
        self.center.add_note(conversation_id, text)
        self.app.call_from_thread(self._noted)

    def _noted(self) -> None:
        self.notify("Kept as an internal note on the e-mail; nothing was sent.")
        self.dismiss(None)

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> None:
        """A failed send leaves the e-mail as typed; Ctrl+S sends it again."""
        if worker.group == "send":
            self._sending = False
            self._outcome = in_words(error)[1]
            self._status()
        elif worker.group == "suggest":
            self._status()  # no longer "Looking for suggestions…"; the app says what failed
        else:
            self.keeping_failed(worker)

    def _sent(self, result: SendResult) -> None:
        self.notify(result.words, markup=False)
        self.dismiss(result)
