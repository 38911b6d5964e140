"""The ecosystem of levers and tools, read from data.

The packaged ``_data/ecosystem.yaml`` holds the 12 levers and 12 tools exactly as the city's own
document names them. A project can extend it (a tool of the 2016 "second revolution") or replace it
from its configuration; code never lists a lever or a tool.

Generations: a tool or a lever may carry ``launched`` (its first day), ``retired`` (its first day
out of use) and, for a tool, ``replaces`` (the tool it takes over from). :meth:`Ecosystem.during`
keeps the levers live in a span and remembers the span, so that a tool has indicators only while
it is live (:meth:`Ecosystem.live_tools_of`) while its lever's series runs on across the change
(:meth:`Ecosystem.tools_of` lists every generation); :meth:`Ecosystem.changes` dates the changes.

Staff type tool names in many ways ("Point Silence", "pt silence", "Echecs & mates"):
:meth:`Ecosystem.resolve_tool` maps them to canonical ids through a normalised form (case, accents,
punctuation, articles), declared aliases, then a conservative fuzzy match. A name that cannot be
resolved returns ``None`` so the caller quarantines it with its reason; nothing is dropped silently.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

from eco_eval.data_yaml import read_yaml
from eco_eval.errors import ConfigError, did_you_mean


def _live(launched: date | None, retired: date | None, start: date, end: date) -> bool:
    """True when [launched, retired) meets the span [start, end] (open ends: always)."""
    return (launched is None or launched <= end) and (retired is None or retired > start)


@dataclass(frozen=True)
class Lever:
    id: str
    fr: str
    en: str
    launched: date | None = None
    retired: date | None = None

    def name(self, lang: str = "fr") -> str:
        return self.fr if lang == "fr" else self.en

    def live(self, start: date, end: date) -> bool:
        """True when the lever is in use on at least one day of [start, end]."""
        return _live(self.launched, self.retired, start, end)


@dataclass(frozen=True)
class Tool:
    id: str
    fr: str
    lever: str
    en: str
    generation: int = 1
    aliases: tuple[str, ...] = ()
    launched: date | None = None
    retired: date | None = None
    replaces: str | None = None

    def name(self, lang: str = "fr") -> str:
        """The tool's name; the French name is official and is used in both languages."""
        return self.fr

    def live(self, start: date, end: date) -> bool:
        """True when the tool is in use on at least one day of [start, end]: launched on or before
        ``end`` and retired after ``start`` (a missing date leaves that side open)."""
        return _live(self.launched, self.retired, start, end)

    def quoted(self, lang: str = "fr") -> str:
        return f"« {self.fr} »" if lang == "fr" else f"“{self.fr}”"


@dataclass(frozen=True)
class Milestone:
    date: date
    fr: str
    en: str


@dataclass(frozen=True)
class Change:
    """A dated change of the ecosystem: ``kind`` is ``launched`` or ``retired``; ``what`` is
    ``tool`` or ``lever``; ``replaces`` names the tool a launched tool takes over from."""

    date: date
    kind: str
    what: str
    id: str
    lever: str
    replaces: str | None = None


def normalise_name(text: str) -> str:
    """Lower-case, strip accents, '&' -> 'and', drop punctuation, quotes and extra spaces."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("&", " and ").replace(" et ", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Ecosystem:
    levers: tuple[Lever, ...]
    tools: tuple[Tool, ...]
    #: The programme's launch: the start of cumulative figures and of the bilan's history; no
    #: comparison is made with a period ending before it (:func:`eco_eval.periods.comparison`).
    launch: date
    milestones: tuple[Milestone, ...] = ()
    #: The span of :meth:`during` (None: the whole ecosystem, every tool counted as live).
    span: tuple[date, date] | None = None
    _index: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        lever_ids = [lv.id for lv in self.levers]
        if len(set(lever_ids)) != len(lever_ids):
            raise ConfigError("ecosystem: lever ids must be unique")
        tool_ids = [t.id for t in self.tools]
        if len(set(tool_ids)) != len(tool_ids):
            raise ConfigError("ecosystem: tool ids must be unique")
        for t in self.tools:
            if t.lever not in lever_ids:
                raise ConfigError(
                    f"ecosystem: tool {t.id!r} serves unknown lever {t.lever!r}; "
                    f"declare the lever under 'levers:' first"
                )
            if t.replaces is not None and t.replaces not in tool_ids:
                raise ConfigError(
                    f"ecosystem.tools.{t.id}.replaces: unknown tool {t.replaces!r}"
                    f"{did_you_mean(t.replaces, tool_ids)}; name the id of the tool it takes over"
                )
            if t.replaces == t.id:
                raise ConfigError(f"ecosystem.tools.{t.id}.replaces: a tool cannot replace itself")
        for kind, items in (("levers", self.levers), ("tools", self.tools)):
            for item in items:
                if item.launched and item.retired and item.retired <= item.launched:
                    raise ConfigError(
                        f"ecosystem.{kind}.{item.id}.retired ({item.retired}) is not after its "
                        f"launch ({item.launched}); retired is the first day out of use"
                    )
        index: dict[str, str] = {}
        for t in self.tools:
            for name in (t.id, t.fr, *t.aliases):
                key = normalise_name(name)
                if index.get(key, t.id) != t.id:
                    raise ConfigError(
                        f"ecosystem: alias {name!r} names two tools ({index[key]}, {t.id})"
                    )
                index[key] = t.id
        object.__setattr__(self, "_index", index)

    @property
    def lever_ids(self) -> tuple[str, ...]:
        return tuple(lv.id for lv in self.levers)

    @property
    def tool_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.tools)

    def lever(self, lever_id: str) -> Lever:
        for lv in self.levers:
            if lv.id == lever_id:
                return lv
        raise ConfigError(f"unknown lever {lever_id!r}{did_you_mean(lever_id, self.lever_ids)}")

    def tool(self, tool_id: str) -> Tool:
        for t in self.tools:
            if t.id == tool_id:
                return t
        raise ConfigError(f"unknown tool {tool_id!r}{did_you_mean(tool_id, self.tool_ids)}")

    def tools_of(self, lever_id: str) -> tuple[Tool, ...]:
        """Every generation of the lever's tools (its series is one across a tool change)."""
        return tuple(t for t in self.tools if t.lever == lever_id)

    def live_tools_of(self, lever_id: str) -> tuple[Tool, ...]:
        """The lever's tools in use during :attr:`span` (all of them without a span)."""
        tools = self.tools_of(lever_id)
        if self.span is None:
            return tools
        return tuple(t for t in tools if t.live(*self.span))

    def during(self, start: date, end: date) -> Ecosystem:
        """The ecosystem of the span [start, end]: the levers in use on one of its days with a
        tool in use then (a lever whose only tool is retired has no figures after it), with
        every generation of their tools, and the span, which :meth:`live_tools_of` reads."""
        levers = tuple(
            lv
            for lv in self.levers
            if lv.live(start, end)
            and (not self.tools_of(lv.id) or any(t.live(start, end) for t in self.tools_of(lv.id)))
        )
        ids = {lv.id for lv in levers}
        return Ecosystem(
            levers=levers,
            tools=tuple(t for t in self.tools if t.lever in ids),
            launch=self.launch,
            milestones=self.milestones,
            span=(start, end),
        )

    def changes(self, start: date | None = None, end: date | None = None) -> tuple[Change, ...]:
        """The dated launches and retirements of tools and levers in [start, end] (every one
        without bounds), in date order; a launch the programme's launch day is no change."""
        out: list[Change] = []
        for lv in self.levers:
            for kind, day in (("launched", lv.launched), ("retired", lv.retired)):
                if day is not None:
                    out.append(Change(day, kind, "lever", lv.id, lv.id))
        for t in self.tools:
            if t.launched is not None:
                out.append(Change(t.launched, "launched", "tool", t.id, t.lever, t.replaces))
            if t.retired is not None:
                out.append(Change(t.retired, "retired", "tool", t.id, t.lever))
        return tuple(
            sorted(
                (
                    c
                    for c in out
                    if c.date > self.launch
                    and (start is None or c.date >= start)
                    and (end is None or c.date <= end)
                ),
                key=lambda c: (c.date, c.what, c.id),
            )
        )

    def lever_of(self, tool_id: str) -> str:
        return self.tool(tool_id).lever

    def resolve_tool(self, name: object) -> str | None:
        """Canonical tool id for a name as staff typed it, or None when it cannot be resolved.

        Exact normalised match first, then a close match (difflib ratio >= 0.85) so that a typo
        such as "pont silence" resolves but an unrelated name ("atelier zen") does not.
        """
        if name is None or (isinstance(name, float) and name != name):
            return None
        key = normalise_name(str(name))
        if not key:
            return None
        if key in self._index:
            return self._index[key]
        for prefix in ("outil ", "l outil "):
            if key.startswith(prefix) and key[len(prefix) :] in self._index:
                return self._index[key[len(prefix) :]]
        match = difflib.get_close_matches(key, list(self._index), n=1, cutoff=0.85)
        return self._index[match[0]] if match else None


#: The keys a lever and a tool may carry.
LEVER_KEYS = ("id", "fr", "en", "launched", "retired")
TOOL_KEYS = ("id", "fr", "en", "lever", "generation", "aliases", "launched", "retired", "replaces")


def _check_keys(item: Any, allowed: tuple[str, ...], where: str, origin: str) -> None:
    if not isinstance(item, Mapping):
        raise ConfigError(f"{origin}: {where} is not a mapping; write id: ..., fr: ..., en: ...")
    for key in item:
        if key not in allowed:
            raise ConfigError(
                f"{origin}: unknown key {where}.{key}{did_you_mean(str(key), allowed)}; "
                f"allowed: {', '.join(allowed)}"
            )


def _day(item: Mapping[str, Any], key: str, where: str, origin: str) -> date | None:
    """The optional date ``item[key]`` (YYYY-MM-DD), or an error naming the key."""
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"{origin}: {where}.{key} {value!r} is not a date; write it as YYYY-MM-DD, "
            f"e.g. {key}: 2017-04-01"
        ) from None


def _parse(doc: Mapping[str, Any], origin: str) -> Ecosystem:
    for kind, allowed in (("levers", LEVER_KEYS), ("tools", TOOL_KEYS)):
        for i, item in enumerate(doc.get(kind) or ()):
            name = item.get("id", i) if isinstance(item, Mapping) else i
            _check_keys(item, allowed, f"ecosystem.{kind}.{name}", origin)
    try:
        levers = tuple(
            Lever(
                id=str(x["id"]),
                fr=str(x["fr"]),
                en=str(x["en"]),
                launched=_day(x, "launched", f"ecosystem.levers.{x['id']}", origin),
                retired=_day(x, "retired", f"ecosystem.levers.{x['id']}", origin),
            )
            for x in doc["levers"]
        )
        tools = tuple(
            Tool(
                id=str(x["id"]),
                fr=str(x["fr"]),
                lever=str(x["lever"]),
                en=str(x.get("en", "")),
                generation=int(x.get("generation", 1)),
                aliases=tuple(str(a) for a in x.get("aliases", ())),
                launched=_day(x, "launched", f"ecosystem.tools.{x['id']}", origin),
                retired=_day(x, "retired", f"ecosystem.tools.{x['id']}", origin),
                replaces=str(x["replaces"]) if x.get("replaces") is not None else None,
            )
            for x in doc["tools"]
        )
        milestones = tuple(
            Milestone(date=date.fromisoformat(str(m["date"])), fr=str(m["fr"]), en=str(m["en"]))
            for m in doc.get("milestones", ())
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"{origin}: ecosystem definition is incomplete ({exc}); each lever needs id, fr, en "
            f"and each tool id, fr, lever"
        ) from exc
    for kind, ids in (("lever", [lv.id for lv in levers]), ("tool", [t.id for t in tools])):
        for ident in ids:
            _check_slug(ident, kind, origin)
    launch = _launch(doc.get("launch"), origin)
    try:
        return Ecosystem(levers=levers, tools=tools, milestones=milestones, launch=launch)
    except ConfigError as exc:
        raise ConfigError(f"{origin}: {exc}") from None


def _extend(base: Any, extra: Any) -> list[Any]:
    """``base`` items with ``extra`` appended; an extra item whose id is already there updates
    it (``{id: la_balade, retired: 2017-04-01}`` dates a packaged tool's retirement)."""
    out = [dict(x) if isinstance(x, Mapping) else x for x in base]
    at = {x.get("id"): i for i, x in enumerate(out) if isinstance(x, Mapping)}
    for item in extra or ():
        if isinstance(item, Mapping) and item.get("id") in at:
            out[at[item["id"]]] = {**out[at[item["id"]]], **item}
        else:
            out.append(item)
    return out


#: Lever and tool ids name files (``leviers/<id>.html``) and links: lower-case ASCII letters,
#: digits and underscores only, so no id can leave its folder or become a script URL.
SLUG = re.compile(r"[a-z0-9][a-z0-9_]{0,63}")


def _check_slug(ident: str, kind: str, origin: str) -> None:
    if not SLUG.fullmatch(ident):
        suggestion = normalise_name(ident).replace(" ", "_")[:64] or kind
        raise ConfigError(
            f"{origin}: {kind} id {ident!r} is not allowed; ids use lower-case letters, digits "
            f"and '_' (up to 64), e.g. {suggestion!r}"
        )


def _launch(value: object, origin: str) -> date:
    if isinstance(value, date):  # YAML reads an unquoted 2015-06-01 as a date
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"{origin}: ecosystem.launch {value!r} is not a date; write the programme's launch "
            "as YYYY-MM-DD, e.g. launch: 2015-06-01"
        ) from None


#: Keys of a project's ``ecosystem:`` section.
OVERRIDE_KEYS = ("levers", "tools", "aliases", "replace", "launch")
REPLACE_KEYS = ("name", "milestones")  # with ``replace: true`` only


def packaged_definition() -> dict[str, Any]:
    text = resources.files("eco_eval").joinpath("_data/ecosystem.yaml").read_text(encoding="utf-8")
    return dict(read_yaml(text))


def load_ecosystem(
    override: Mapping[str, Any] | None = None, origin: str = "eco_eval.yaml"
) -> Ecosystem:
    """Load the packaged ecosystem, extended or replaced by a project's ``ecosystem:`` section.

    ``override`` may contain ``replace: true`` (use only its levers and tools) or extra
    ``levers``/``tools`` to append (a second generation of tools: ``launched``, ``retired``,
    ``replaces``); an entry with the id of a packaged lever or tool updates it (its ``retired``
    date). ``aliases`` maps a tool id to extra names staff use, ``launch`` is the city's own
    launch date.
    """
    doc = packaged_definition()
    # a replacing ecosystem is a whole definition: its name and milestones too
    allowed = (*OVERRIDE_KEYS, *REPLACE_KEYS) if (override or {}).get("replace") else OVERRIDE_KEYS
    for key in override or {}:
        if key not in allowed:
            raise ConfigError(
                f"{origin}: unknown key ecosystem.{key!r}{did_you_mean(key, allowed)}; "
                f"allowed: {', '.join(allowed)}"
            )
    if override and "launch" in override:
        doc["launch"] = override["launch"]
    if override:
        if override.get("replace"):
            doc = {
                **doc,
                "levers": [],
                "tools": [],
                **{k: v for k, v in override.items() if k != "replace"},
            }
        else:
            doc["levers"] = _extend(doc["levers"], override.get("levers"))
            doc["tools"] = _extend(doc["tools"], override.get("tools"))
        for tool_id, names in (override.get("aliases") or {}).items():
            for t in doc["tools"]:
                if t["id"] == tool_id:
                    t["aliases"] = list(t.get("aliases", [])) + list(names)
                    break
            else:
                raise ConfigError(f"{origin}: ecosystem.aliases names unknown tool {tool_id!r}")
    return _parse(doc, origin)
