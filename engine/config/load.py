"""Read the tenant's TOML file into a :class:`Config`, with errors people can act on.

Every problem names the file, the key path, the line where the key (or its
table) is written, and what to write instead.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from engine.config.model import (
    Config,
    Encryption,
    ImapConfig,
    ServerConfig,
    SmtpConfig,
)
from engine.errors import MiccError

ENV_VAR = "MICC_CONFIG"
DEFAULT_FILE = "micc.toml"

#: The guide's standard port table.
IMAP_PORTS: Mapping[str, int] = {"ssl": 993, "starttls": 143, "none": 143}
SMTP_PORTS: Mapping[str, int] = {"ssl": 465, "starttls": 25, "none": 25}

#: What a preset fills in when the file does not say otherwise.
PRESETS: Mapping[str, Mapping[str, Mapping[str, Any]]] = {
    "gmail": {
        "imap": {"host": "imap.gmail.com", "port": 993, "encryption": "ssl", "append_sent": False},
        "smtp": {"host": "smtp.gmail.com", "port": 587, "encryption": "starttls"},
    },
    "office365": {
        "imap": {"host": "outlook.office365.com", "port": 993, "encryption": "ssl"},
        "smtp": {"host": "smtp.office365.com", "port": 587, "encryption": "starttls"},
    },
}

Loc = tuple[str | int, ...]
_S = TypeVar("_S", ImapConfig, SmtpConfig)


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in a config file."""

    file: Path | None
    line: int | None
    key: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = str(self.file) if self.file else "<config>"
        if self.line:
            where += f":{self.line}"
        text = f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"
        return f"{text}; {self.hint}" if self.hint else text


class ConfigError(MiccError):
    """The config cannot be used; ``problems`` says why, each with file and line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def find_config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the config file to use: ``--config``, else ``$MICC_CONFIG``, else ``./micc.toml``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path(DEFAULT_FILE)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read, validate and complete the config file at ``path`` (see :func:`find_config_path`).

    Raises:
        ConfigError: the file is missing, is not TOML, or describes an unusable tenant.
    """
    file = find_config_path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [
                Problem(
                    file,
                    None,
                    "",
                    "no such config file",
                    "create one with `micc init`, or pass --config PATH / set MICC_CONFIG",
                )
            ]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(file, None, "", f"cannot read the file ({exc})")]) from None
    return parse_config(text, file)


def parse_config(text: str, file: Path | None = None) -> Config:
    """Validate TOML ``text`` as a config; relative paths are made relative to ``file``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        raise ConfigError(
            [
                Problem(
                    file,
                    line,
                    "",
                    f"not valid TOML: {exc}",
                    "check quotes around strings and [section] headers",
                )
            ]
        ) from None
    lines = KeyLines(text)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_problem_from_error(err, file, lines) for err in exc.errors()]) from None
    problems = list(_cross_check(config, file, lines))
    if problems:
        raise ConfigError(problems)
    base = file.resolve().parent if file else Path.cwd()
    return _complete(config, data, base, file)


def _line_from_message(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


class KeyLines:
    """Where each key and table of a TOML text is written (1-based line numbers)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_.\-\s"'])+?)\s*=""")

    def __init__(self, text: str) -> None:
        self._lines: dict[Loc, int] = {}
        counts: dict[tuple[str, ...], int] = {}
        table: Loc = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = self._HEADER.match(line)
            if header:
                parts = tuple(_split_key(header.group(2)))
                if header.group(1) == "[[":
                    index = counts.get(parts, 0)
                    counts[parts] = index + 1
                    table = (*parts, index)
                else:
                    table = self._with_indices(parts, counts)
                self._lines.setdefault(table, number)
                continue
            key = self._KEY.match(line)
            if key and not line.lstrip().startswith("#"):
                self._lines.setdefault((*table, *_split_key(key.group(1))), number)

    @staticmethod
    def _with_indices(parts: tuple[str, ...], counts: Mapping[tuple[str, ...], int]) -> Loc:
        # [service_group.thresholds] belongs to the latest [[service_group]].
        loc: list[str | int] = []
        for i, part in enumerate(parts):
            loc.append(part)
            prefix = parts[: i + 1]
            if prefix in counts and i + 1 < len(parts):
                loc.append(counts[prefix] - 1)
        return tuple(loc)

    def line(self, loc: Loc) -> int | None:
        """The line of ``loc``, else of its nearest enclosing key or table."""
        for end in range(len(loc), 0, -1):
            found = self._lines.get(tuple(loc[:end]))
            if found:
                return found
        return None


def _split_key(key: str) -> list[str]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)', key)
    return [next(p for p in groups if p) for groups in parts if any(groups)]


def dotted_key(loc: Loc) -> str:
    """A key's place as people write it: ``service_group[0].email``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


_SECRET_HINTS = {
    "password": 'secrets are never written in the file: use password_env = "VAR" '
    'or password_file = "path"',
    "client_secret": 'secrets are never written in the file: use client_secret_env = "VAR" '
    'or client_secret_file = "path"',
}


def _model_at(loc: Loc) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Config
    for part in loc:
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _first_model(field.annotation)
    return model


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _first_model(arg)
        if found:
            return found
    return None


def _problem_from_error(err: Any, file: Path | None, lines: KeyLines) -> Problem:
    loc: Loc = tuple(err["loc"])
    key = dotted_key(loc)
    line = lines.line(loc)
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        name = str(loc[-1])
        if name in _SECRET_HINTS:
            return Problem(file, line, key, "secrets are not allowed here", _SECRET_HINTS[name])
        parent = _model_at(loc[:-1])
        known = sorted(parent.model_fields) if parent else []
        close = difflib.get_close_matches(name, known, n=1)
        hint = f'did you mean "{close[0]}"?' if close else ""
        if known:
            hint = (hint + " " if hint else "") + "known keys: " + ", ".join(known)
        return Problem(file, line, key, "unknown key", hint)
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return Problem(file, line, key, f"{value!r} is not allowed", f"write one of {expected}")
    if kind == "missing":
        return Problem(file, line, key, "is required", f'add {loc[-1]} = "..."')
    wanted = {
        "string_type": 'a string in quotes, e.g. "text"',
        "int_type": "a whole number without quotes, e.g. 993",
        "bool_type": "true or false, without quotes",
        "float_type": "a number without quotes",
        "tuple_type": 'a list, e.g. ["Sales", "Support"]',
        "dict_type": "a [table] of keys",
        "model_type": "a [table] of keys",
        "path_type": 'a path in quotes, e.g. "shared/files"',
    }.get(kind)
    if wanted:
        return Problem(file, line, key, f"wrong type ({type(value).__name__})", f"write {wanted}")
    return Problem(file, line, key, str(err.get("msg", kind)))


def _duplicates(names: Iterable[str]) -> list[tuple[int, str]]:
    seen: set[str] = set()
    dups = []
    for index, name in enumerate(names):
        folded = name.casefold()
        if folded in seen:
            dups.append((index, name))
        seen.add(folded)
    return dups


def _cross_check(config: Config, file: Path | None, lines: KeyLines) -> Iterable[Problem]:
    group_names = [g.name for g in config.service_group]
    for section, names in (
        ("service_group", group_names),
        ("service_access", [a.name for a in config.service_access]),
        ("agent", [a.id for a in config.agent]),
    ):
        field = "id" if section == "agent" else "name"
        for index, name in _duplicates(names):
            loc: Loc = (section, index, field)
            yield Problem(
                file,
                lines.line(loc),
                dotted_key(loc),
                f"duplicate {field} {name!r}",
                f"each {section.replace('_', ' ')} needs its own {field}",
            )

    def unknown_group(loc: Loc, name: str) -> Problem:
        close = difflib.get_close_matches(name, group_names, n=3)
        hint = (
            ("did you mean " + " or ".join(repr(c) for c in close) + "?")
            if close
            else (
                "known service groups: "
                + (", ".join(repr(g) for g in group_names) or "none; add a [[service_group]]")
            )
        )
        return Problem(
            file, lines.line(loc), dotted_key(loc), f"no service group named {name!r}", hint
        )

    for index, access in enumerate(config.service_access):
        if access.service_group not in group_names:
            yield unknown_group(("service_access", index, "service_group"), access.service_group)
        if "@" not in access.address:
            loc = ("service_access", index, "address")
            yield Problem(
                file,
                lines.line(loc),
                dotted_key(loc),
                f"{access.address!r} is not an e-mail address pattern",
                'write e.g. "Solidus.Sales.*@seclab.com"',
            )
    for index, agent in enumerate(config.agent):
        if not re.fullmatch(r"[A-Za-z0-9._@-]+", agent.id):
            loc = ("agent", index, "id")
            yield Problem(
                file,
                lines.line(loc),
                dotted_key(loc),
                f"{agent.id!r} is not a usable id",
                "use letters, digits and . _ @ - only (it is typed at logins)",
            )
        for group in agent.groups:
            if group not in group_names:
                yield unknown_group(("agent", index, "groups"), group)
        for group in agent.skills:
            if group not in group_names:
                yield unknown_group(("agent", index, "skills", group), group)
    for index, group_config in enumerate(config.service_group):
        for name in group_config.overflow_groups:
            if name not in group_names:
                yield unknown_group(("service_group", index, "overflow_groups"), name)
            elif name == group_config.name:
                loc = ("service_group", index, "overflow_groups")
                yield Problem(
                    file,
                    lines.line(loc),
                    dotted_key(loc),
                    f"{name!r} overflows into itself",
                    "name other groups whose agents may take these e-mails",
                )
        if group_config.overflow_groups and group_config.overflow_after_minutes is None:
            loc = ("service_group", index, "overflow_groups")
            yield Problem(
                file,
                lines.line(loc),
                dotted_key(loc),
                "overflow_groups without overflow_after_minutes",
                "say after how many minutes of waiting, e.g. overflow_after_minutes = 10",
            )
    server = config.server
    if server.type == "graph" and server.graph is None:
        yield Problem(
            file,
            lines.line(("server", "type")),
            "server.type",
            'type = "graph" needs a [server.graph] table',
            "add tenant_id, client_id, client_secret_env and user under [server.graph]",
        )
    for name, mail_server in (("imap", server.imap), ("smtp", server.smtp)):
        if mail_server.password_env and mail_server.password_file:
            loc = ("server", name, "password_file")
            yield Problem(
                file,
                lines.line(loc),
                dotted_key(loc),
                "both password_env and password_file are set",
                "keep only one of them",
            )
    for loc, locale in _locales(config):
        if not _known_locale(locale):
            from engine.spelling.cultures import nearest_cultures

            close = nearest_cultures(locale)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            yield Problem(
                file,
                lines.line(loc),
                dotted_key(loc),
                f"unknown locale {locale!r}",
                hint + 'write a culture name such as "en-US", "de-DE" or "sv-SE"',
            )


def _locales(config: Config) -> Iterable[tuple[Loc, str]]:
    yield ("locale",), config.locale
    for index, group in enumerate(config.service_group):
        if group.locale:
            yield ("service_group", index, "locale"), group.locale


def _known_locale(name: str) -> bool:
    """A culture name of the guide's table (``Cy-az-AZ``, ``zh-CHS``) or one Babel knows."""
    from babel import Locale, UnknownLocaleError

    from engine.spelling.cultures import CULTURES

    if name in CULTURES:
        return True
    try:
        Locale.parse(name.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return False
    return True


def _resolve(base: Path, path: Path | None) -> Path | None:
    if path is None:
        return None
    path = path.expanduser()
    return path if path.is_absolute() else base / path


def _complete(config: Config, data: Mapping[str, Any], base: Path, file: Path | None) -> Config:
    """Fill presets and port defaults, and make relative paths relative to the file."""
    raw_server = data.get("server", {})
    server = config.server
    imap = _with_preset(server.imap, server.preset, "imap", raw_server.get("imap", {}))
    smtp = _with_preset(server.smtp, server.preset, "smtp", raw_server.get("smtp", {}))
    imap = imap.model_copy(
        update={
            "port": imap.port or IMAP_PORTS[imap.encryption],
            "password_file": _resolve(base, imap.password_file),
            "ca_file": _resolve(base, imap.ca_file),
        }
    )
    smtp = smtp.model_copy(
        update={
            "port": smtp.port or SMTP_PORTS[smtp.encryption],
            "password_file": _resolve(base, smtp.password_file),
            "ca_file": _resolve(base, smtp.ca_file),
        }
    )
    graph = server.graph
    if graph is not None:
        graph = graph.model_copy(
            update={
                "client_secret_file": _resolve(base, graph.client_secret_file),
                "ca_file": _resolve(base, graph.ca_file),
                "outbound_only": graph.outbound_only or server.outbound_only,
            }
        )
    server = server.model_copy(update={"imap": imap, "smtp": smtp, "graph": graph})
    groups = tuple(
        g.model_copy(
            update={
                "default_template": _resolve(base, g.default_template),
                "new_email_template": _resolve(base, g.new_email_template),
                "signature": _resolve(base, g.signature),
                "responses": _resolve(base, g.responses),
                "attachments_folder": _resolve(base, g.attachments_folder),
            }
        )
        for g in config.service_group
    )
    accesses = tuple(
        a.model_copy(update={"auto_confirmation": _resolve(base, a.auto_confirmation)})
        for a in config.service_access
    )
    agents = tuple(
        a.model_copy(update={"signature": _resolve(base, a.signature)}) for a in config.agent
    )
    return config.model_copy(
        update={
            "store": config.store.model_copy(update={"path": _resolve(base, config.store.path)}),
            "server": server,
            "service_group": groups,
            "service_access": accesses,
            "agent": agents,
            "spelling": config.spelling.model_copy(
                update={"site_folder": _resolve(base, config.spelling.site_folder)}
            ),
            "attachments": config.attachments.model_copy(
                update={
                    "folders": tuple(
                        p for p in (_resolve(base, f) for f in config.attachments.folders) if p
                    )
                }
            ),
            "source": file.resolve() if file else None,
        }
    )


def _with_preset(section: _S, preset: str | None, name: str, written: Mapping[str, Any]) -> _S:
    if not preset:
        return section
    fill = {k: v for k, v in PRESETS[preset][name].items() if k not in written}
    return section.model_copy(update=fill)


def default_port(kind: str, encryption: Encryption) -> int:
    """The guide's standard port for ``kind`` ("imap" or "smtp") and an encryption."""
    return (IMAP_PORTS if kind == "imap" else SMTP_PORTS)[encryption]


__all__ = [
    "ConfigError",
    "KeyLines",
    "Problem",
    "ServerConfig",
    "default_port",
    "find_config_path",
    "load_config",
    "parse_config",
]
