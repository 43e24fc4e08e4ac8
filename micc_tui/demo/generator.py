"""Realistic customer e-mails for ``micc demo``, in several languages.

The first messages are a *tour*: each case the contact center must handle
appears once (plain and HTML mail, attachments, wildcard, plus and Cc
addresses, an address no service access matches, an automatic reply that
loop protection must not answer, a customer's follow-up in an existing
conversation, ISO-2022-JP Japanese). After the tour, cases repeat with
varied customers, order numbers and products.

Generation is pure: :class:`MailGenerator` returns bytes and does no I/O, so
the same seed gives the same customers, subjects and bodies (Message-IDs and
dates vary).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

#: A tiny valid PNG (1x1 pixel): a "screenshot" attachment.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000000020001e221bc33"
    "0000000049454e44ae426082"
)
#: A minimal one-page PDF with a line of text: a "quote request" attachment.
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 44>>stream\nBT /F1 18 Tf 20 70 Td (Demande de devis) Tj ET\n"
    b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass(frozen=True)
class Customer:
    """Someone who writes to the contact center."""

    name: str
    address: str
    language: str


CUSTOMERS: tuple[Customer, ...] = (
    Customer("John Carter", "john.carter@carter-hardware.example", "en"),
    Customer("Emily Chen", "emily.chen@brightwave.example", "en"),
    Customer("Hans Müller", "hans.mueller@mueller-gmbh.example", "de"),
    Customer("Jürgen Weiß", "j.weiss@weiss-technik.example", "de"),
    Customer("Åsa Lindström", "asa.lindstrom@nordkontor.example", "sv"),
    Customer("Björn Ekström", "bjorn@ekstrom-bygg.example", "sv"),
    Customer("María García", "maria.garcia@iberica-oficinas.example", "es"),
    Customer("José Martínez", "jmartinez@correo-sol.example", "es"),
    Customer("山田 太郎", "taro.yamada@yamada-shoji.example", "ja"),
    Customer("佐藤 花子", "hanako.sato@sakura-denki.example", "ja"),
    Customer("Camille Dubois", "camille.dubois@atelier-dubois.example", "fr"),
    Customer("Giulia Rossi", "giulia.rossi@rossi-forniture.example", "it"),
)

#: E-mails remembered for follow-ups.
_REMEMBERED = 50

PRODUCTS = (
    "Solidus X200 desk",
    "Solidus Ergo chair",
    "Solidus Air 3 monitor arm",
    "Solidus Dock 12",
    "Solidus Quiet keyboard",
)


@dataclass(frozen=True)
class GeneratedMail:
    """One customer e-mail, ready to be delivered into the master mailbox."""

    #: The case it exercises, e.g. ``"html"``, ``"auto-reply"``.
    case: str
    raw: bytes
    message_id: str
    subject: str
    #: ``Name <address>`` as a person reads it (not RFC 2047 encoded).
    sender: str
    sender_address: str
    #: The contact-center addresses it was written to (To and Cc).
    recipients: tuple[str, ...]
    language: str

    def describe(self) -> str:
        """One line for people: case, language, sender, recipients, subject."""
        return (
            f"[{self.case}, {self.language}] {self.sender} -> "
            f"{', '.join(self.recipients)}: {self.subject}"
        )


@dataclass(frozen=True)
class _Draft:
    """What a case decides; :meth:`MailGenerator._build` makes the message."""

    case: str
    customer: Customer
    to: str
    subject: str
    text: str
    html: str = ""
    html_only: bool = False
    cc: str = ""
    attachment: tuple[str, str, bytes] | None = None
    charset: str = "utf-8"
    extra_headers: tuple[tuple[str, str], ...] = ()
    in_reply_to: GeneratedMail | None = None


class MailGenerator:
    """Makes customer e-mails addressed to the tenant's domain.

    Args:
        domain: the contact center's domain (service access addresses use it).
        seed: fixes customers, subjects and bodies, for tests.
        clock: returns "now" for the Date header.
    """

    #: Cases in tour order; each name is a method ``_case_<name>`` (dashes as underscores).
    TOUR = (
        "plain",
        "html",
        "japanese",
        "attachment-csv",
        "plus-address",
        "html-only",
        "attachment-pdf",
        "cc",
        "screenshot",
        "unmatched",
        "auto-reply",
        "follow-up",
        "italian",
    )
    #: Cases repeated after the tour, with weights (common ones more often).
    REPEAT: tuple[tuple[str, int], ...] = (
        ("plain", 5),
        ("html", 4),
        ("japanese", 2),
        ("attachment-csv", 2),
        ("plus-address", 2),
        ("html-only", 2),
        ("attachment-pdf", 1),
        ("cc", 1),
        ("screenshot", 2),
        ("unmatched", 1),
        ("auto-reply", 1),
        ("follow-up", 3),
        ("italian", 1),
    )

    def __init__(
        self,
        domain: str = "seclab.com",
        *,
        seed: int | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.domain = domain
        self._rng = random.Random(seed)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sent: list[GeneratedMail] = []
        self._count = 0

    def __iter__(self) -> Iterator[GeneratedMail]:
        return self

    def __next__(self) -> GeneratedMail:
        if self._count < len(self.TOUR):
            case = self.TOUR[self._count]
        else:
            names = [name for name, _ in self.REPEAT]
            weights = [weight for _, weight in self.REPEAT]
            case = self._rng.choices(names, weights)[0]
        self._count += 1
        return self.make(case)

    def tour(self) -> list[GeneratedMail]:
        """One message of each case, in tour order."""
        return [self.make(case) for case in self.TOUR]

    def make(self, case: str) -> GeneratedMail:
        """One message of the named case (see :attr:`TOUR`)."""
        method: Callable[[], _Draft] = getattr(self, "_case_" + case.replace("-", "_"))
        mail = self._build(method())
        self._sent.append(mail)
        # Follow-ups answer a recent e-mail; older ones need not be remembered.
        del self._sent[:-_REMEMBERED]
        return mail

    @property
    def count(self) -> int:
        """How many e-mails the stream (``next``) has made."""
        return self._count

    # -- helpers ---------------------------------------------------------------------

    def _addr(self, local: str) -> str:
        return f"{local}@{self.domain}"

    def _customer(self, language: str) -> Customer:
        return self._rng.choice([c for c in CUSTOMERS if c.language == language])

    def _order(self) -> int:
        return self._rng.randint(40000, 49999)

    def _product(self) -> str:
        return self._rng.choice(PRODUCTS)

    @staticmethod
    def _signed(text: str, customer: Customer) -> str:
        return f"{text.strip()}\n\n{customer.name}\n"

    # -- the cases ---------------------------------------------------------------------

    def _case_plain(self) -> _Draft:
        customer = self._customer("en")
        quantity = self._rng.choice((12, 25, 40, 60))
        product = self._product()
        body = (
            f"Hello,\n\nWe are refitting our Main Street store and would like a price "
            f"for {quantity} units of the {product}, delivered before the end of the "
            f"month.\nDo you offer a volume discount, and what is the lead time?\n\n"
            f"Best regards,"
        )
        return _Draft(
            "plain",
            customer,
            self._addr("Solidus.Sales.Retail"),
            f"Price for {quantity} x {product}?",
            self._signed(body, customer),
        )

    def _case_html(self) -> _Draft:
        customer = self._customer("de")
        order = self._order()
        text = (
            f"Guten Tag,\n\nunsere Bestellung {order} sollte am Montag geliefert werden, "
            "ist aber noch nicht angekommen. Die Sendungsverfolgung zeigt seit drei "
            "Tagen „in Zustellung“.\nKönnen Sie bitte prüfen, wo die Lieferung bleibt?"
            "\n\nMit freundlichen Grüßen,"
        )
        html = (
            f"<html><body><p>Guten Tag,</p><p>unsere Bestellung <b>{order}</b> sollte "
            "am Montag geliefert werden, ist aber noch nicht angekommen. Die "
            "Sendungsverfolgung zeigt seit drei Tagen <i>„in Zustellung“</i>.</p>"
            "<p>Können Sie bitte prüfen, wo die Lieferung bleibt?</p>"
            f"<p>Mit freundlichen Grüßen,<br>{customer.name}</p></body></html>"
        )
        return _Draft(
            "html",
            customer,
            self._addr("Solidus.Support"),
            f"Lieferung verspätet – Bestellung {order}",
            self._signed(text, customer),
            html=html,
        )

    def _case_japanese(self) -> _Draft:
        customer = self._customer("ja")
        order = self._order()
        body = (
            "ご担当者様\n\nいつもお世話になっております。\n"
            f"先月購入した製品（注文番号 {order}）の保証期間について教えてください。\n"
            "電源が入らなくなったため、修理または交換が可能かご確認をお願いします。\n\n"
            "よろしくお願いいたします。"
        )
        # Japanese mail is still often ISO-2022-JP: the engine must decode it.
        return _Draft(
            "japanese",
            customer,
            self._addr("Solidus.Support+priority"),
            f"保証期間について（注文番号 {order}）",
            self._signed(body, customer),
            charset="iso-2022-jp",
        )

    def _case_attachment_csv(self) -> _Draft:
        customer = self._customer("sv")
        rows = ["artikel;antal;önskat leveransdatum"]
        for product in self._rng.sample(PRODUCTS, 3):
            rows.append(f"{product};{self._rng.randint(2, 30)};2027-01-15")
        body = (
            "Hej!\n\nVi vill gärna ha en offert på kontorsmöbler till vårt nya kontor i "
            "Göteborg. Bifogar en lista med artiklar och antal.\nGår det att leverera "
            "före den 15 januari?\n\nMed vänliga hälsningar,"
        )
        return _Draft(
            "attachment-csv",
            customer,
            self._addr("Solidus.Sales.Nordic"),
            "Offertförfrågan: kontorsmöbler till Göteborg",
            self._signed(body, customer),
            attachment=(
                "beställning.csv",
                "text/csv",
                ("\r\n".join(rows) + "\r\n").encode("utf-8"),
            ),
        )

    def _case_plus_address(self) -> _Draft:
        customer = self._customer("en")
        body = (
            "Hi,\n\nOur whole office cannot log in to the Solidus portal since this "
            'morning: the page says "account locked" for every user. We have a '
            "deadline today, please call me back as soon as possible.\n\nThanks,"
        )
        return _Draft(
            "plus-address",
            customer,
            self._addr("Solidus.Support+priority"),
            "URGENT: nobody can log in to the portal",
            self._signed(body, customer),
        )

    def _case_html_only(self) -> _Draft:
        customer = self._customer("es")
        html = (
            "<html><body><p>Buenos días:</p><p>Somos una cadena de "
            "<b>papelerías</b> en Sevilla y nos gustaría recibir el catálogo de "
            "2027 y la tarifa para distribuidores.</p><ul><li>¿Tienen material "
            "promocional en español?</li><li>¿Organizan demostraciones en tienda?</li>"
            f"</ul><p>Un saludo,<br>{customer.name}</p></body></html>"
        )
        return _Draft(
            "html-only",
            customer,
            self._addr("Solidus.Marketing"),
            "Solicitud de catálogo y tarifa de distribuidores",
            "",
            html=html,
            html_only=True,
        )

    def _case_attachment_pdf(self) -> _Draft:
        customer = self._customer("fr")
        body = (
            "Bonjour,\n\nVeuillez trouver ci-joint notre demande de devis pour "
            f"l'équipement de 25 postes de travail ({self._product()}).\n"
            "Merci de nous indiquer les délais de livraison pour Lyon.\n\n"
            "Cordialement,"
        )
        return _Draft(
            "attachment-pdf",
            customer,
            self._addr("Solidus.Sales.Enterprise"),
            "Demande de devis – 25 postes de travail",
            self._signed(body, customer),
            attachment=("demande-de-devis.pdf", "application/pdf", _PDF),
        )

    def _case_cc(self) -> _Draft:
        customer = self._customer("en")
        body = (
            "Dear partners,\n\nWe would like to plan a shared booth at the Office "
            "Expo in March. I am copying your marketing team: could you send us "
            "your brand guidelines and the available promotional material?\n\n"
            "Kind regards,"
        )
        # The contact center is only in Cc: routing must read Cc too.
        return _Draft(
            "cc",
            customer,
            "events@expo-partners.example",
            "Shared booth at Office Expo in March",
            self._signed(body, customer),
            cc=self._addr("Solidus.Marketing"),
        )

    def _case_screenshot(self) -> _Draft:
        customer = self._customer("en")
        body = (
            "Hello support,\n\nAfter yesterday's firmware update the Solidus Dock 12 "
            "no longer detects my second monitor. I attached a screenshot of the "
            "error message.\n\nRegards,"
        )
        return _Draft(
            "screenshot",
            customer,
            self._addr("Solidus.Support"),
            "Dock 12 does not detect second monitor after update",
            self._signed(body, customer),
            attachment=("screenshot.png", "image/png", _PNG),
        )

    def _case_unmatched(self) -> _Draft:
        customer = self._customer("en")
        body = (
            "Hello,\n\nI am interested in the warehouse position advertised on your "
            "website. Is it still open?\n\nBest wishes,"
        )
        # No service access matches this address: the engine must keep it somewhere visible.
        return _Draft(
            "unmatched",
            customer,
            self._addr("jobs"),
            "Application: warehouse assistant",
            self._signed(body, customer),
        )

    def _case_auto_reply(self) -> _Draft:
        customer = self._customer("de")
        body = (
            "Vielen Dank für Ihre Nachricht. Ich bin bis zum 6. Januar nicht im Büro "
            "und habe keinen Zugriff auf meine E-Mails. In dringenden Fällen wenden "
            "Sie sich bitte an zentrale@mueller-gmbh.example.\n\n"
            "Thank you for your message. I am out of the office until January 6."
        )
        # An out-of-office answer: confirming it would start a mail loop.
        return _Draft(
            "auto-reply",
            customer,
            self._addr("Solidus.Support"),
            "Automatische Antwort: Ihre Anfrage bei Solidus",
            body,
            extra_headers=(
                ("Auto-Submitted", "auto-replied"),
                ("X-Autoreply", "yes"),
                ("Precedence", "auto_reply"),
            ),
        )

    def _case_follow_up(self) -> _Draft:
        earlier = [m for m in self._sent if m.case not in ("auto-reply", "unmatched", "cc")]
        if not earlier:
            return self._case_plain()
        original = self._rng.choice(earlier)
        customer = next(c for c in CUSTOMERS if c.address == original.sender_address)
        lines = {
            "en": "Hello again,\n\nAny news on this? I have not heard back yet.\n\nThanks,",
            "de": "Guten Tag,\n\ngibt es hierzu schon Neuigkeiten?\n\nViele Grüße,",
            "sv": "Hej igen!\n\nHar ni hunnit titta på vår förfrågan?\n\nHälsningar,",
            "es": "Hola de nuevo:\n\n¿Han podido revisar nuestra solicitud?\n\nSaludos,",
            "ja": (
                "ご担当者様\n\n先日の件について、その後いかがでしょうか。\n\n"
                "よろしくお願いいたします。"
            ),
            "fr": "Bonjour,\n\nAvez-vous pu étudier notre demande ?\n\nCordialement,",
            "it": "Buongiorno,\n\nci sono novità sulla nostra richiesta?\n\nCordiali saluti,",
        }
        subject = original.subject
        if not subject.lower().startswith(("re:", "aw:", "sv:")):
            subject = "Re: " + subject
        return _Draft(
            "follow-up",
            customer,
            original.recipients[0],
            subject,
            self._signed(lines[customer.language], customer),
            charset="iso-2022-jp" if customer.language == "ja" else "utf-8",
            in_reply_to=original,
        )

    def _case_italian(self) -> _Draft:
        customer = self._customer("it")
        order = self._order()
        body = (
            f"Buongiorno,\n\nnon abbiamo ancora ricevuto la fattura dell'ordine {order}. "
            "Potreste inviarcela in formato PDF?\n\nGrazie e cordiali saluti,"
        )
        return _Draft(
            "italian",
            customer,
            self._addr("Solidus.Sales.Retail"),
            f"Fattura mancante per l'ordine {order}",
            self._signed(body, customer),
        )

    # -- building the message ------------------------------------------------------------

    def _build(self, draft: _Draft) -> GeneratedMail:
        customer = draft.customer
        msg = EmailMessage()
        sender_domain = customer.address.rpartition("@")[2]
        now = self._clock()
        msg["Return-Path"] = f"<{customer.address}>"
        msg["Received"] = (
            f"from mail.{sender_domain} (mail.{sender_domain} [192.0.2.25]) "
            f"by mx.{self.domain} with ESMTPS; {format_datetime(now)}"
        )
        msg["From"] = formataddr((customer.name, customer.address))
        msg["To"] = draft.to
        if draft.cc:
            msg["Cc"] = draft.cc
        msg["Subject"] = draft.subject
        msg["Date"] = format_datetime(now)
        message_id = make_msgid(domain=sender_domain)
        msg["Message-ID"] = message_id
        if draft.in_reply_to is not None:
            msg["In-Reply-To"] = draft.in_reply_to.message_id
            msg["References"] = draft.in_reply_to.message_id
        for name, value in draft.extra_headers:
            msg[name] = value
        if draft.html_only:
            msg.set_content(draft.html, subtype="html")
        else:
            msg.set_content(draft.text, charset=draft.charset)
            if draft.html:
                msg.add_alternative(draft.html, subtype="html")
        if draft.attachment is not None:
            filename, content_type, data = draft.attachment
            maintype, _, subtype = content_type.partition("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        recipients = tuple(a for a in (draft.to, draft.cc) if a.endswith("@" + self.domain))
        return GeneratedMail(
            case=draft.case,
            raw=msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"),
            message_id=message_id,
            subject=draft.subject,
            sender=f"{customer.name} <{customer.address}>",
            sender_address=customer.address,
            recipients=recipients,
            language=customer.language,
        )
