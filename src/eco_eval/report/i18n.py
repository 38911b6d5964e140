"""The report's labels in French and English (``_data/labels/fr.yaml``, ``en.yaml``).

:class:`Labels` is a frozen mapping from dotted keys (``"section.summary"``) to text, plus the
names that live elsewhere as data: lever and tool names from the ecosystem, indicator names and
units from the indicator catalogue. Those are not duplicated in the label files.

>>> labels = Labels("fr")
>>> labels["section.summary"]
'Synthèse'
>>> labels.format("value.suppressed_k", k=5)
'< 5 pers.'
>>> labels.lever("bien_etre")
'le bien-être'

A key that does not exist raises :class:`LabelMissing` (a :class:`~eco_eval.errors.ConfigError`
and a ``KeyError``) naming the file and the closest key. A new language is a new YAML file with the
same keys as ``fr.yaml``.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Protocol

from eco_eval.data_yaml import read_yaml
from eco_eval.ecosystem import load_ecosystem
from eco_eval.errors import ConfigError, did_you_mean
from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.report.theme import data_path

LANGS = ("fr", "en")


class LabelMissing(ConfigError, KeyError):
    """A label key is not in the label file."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class _EcosystemLike(Protocol):
    @property
    def levers(self) -> tuple[Any, ...]: ...

    @property
    def tools(self) -> tuple[Any, ...]: ...


class _CatalogueLike(Protocol):
    def __contains__(self, indicator_id: object) -> bool: ...

    def __getitem__(self, indicator_id: str) -> Any: ...


def check_lang(lang: str) -> str:
    """Return ``lang`` when a label file exists for it, else raise ConfigError."""
    if lang not in LANGS:
        raise ConfigError(
            f"language {lang!r} has no labels; use one of {', '.join(LANGS)}{did_you_mean(lang, LANGS)}"
        )
    return lang


def _flatten(doc: Mapping[Any, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = "" if value is None else str(value)
    return out


@lru_cache(maxsize=len(LANGS))
def label_file(lang: str) -> Mapping[str, str]:
    """The flattened label file of ``lang`` (read once)."""
    path = data_path("labels", f"{check_lang(lang)}.yaml")
    doc = read_yaml(path.read_text(encoding="utf-8")) or {}
    return MappingProxyType(_flatten(doc))


@lru_cache(maxsize=16)
def section_labels(section: str, lang: str) -> Mapping[str, str]:
    """The labels of one report section, keyed ``<section>.<key>``, read once from
    ``_data/labels/<section>_<lang>.yaml`` (whose top key is ``section``)."""
    path = data_path("labels", f"{section}_{check_lang(lang)}.yaml")
    doc = read_yaml(path.read_text(encoding="utf-8"))[section]
    return MappingProxyType({f"{section}.{k}": str(v) for k, v in doc.items()})


def placeholders(text: str) -> frozenset[str]:
    """Names of the ``{placeholders}`` in a label."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


class Labels(Mapping[str, str]):
    """Frozen labels of one language.

    Parameters
    ----------
    lang
        ``"fr"`` or ``"en"``.
    ecosystem
        Where lever and tool names come from (an :class:`eco_eval.ecosystem.Ecosystem`); the
        packaged one when omitted. Pass the project's when it extends the ecosystem.
    catalogue
        Where indicator names and units come from (an
        :class:`eco_eval.indicators.catalogue.Catalogue`); the packaged one, read on first use,
        when omitted.
    extra
        Entries added to or replacing those of the label file (a city's own wording).
    """

    __slots__ = ("_catalogue", "_entries", "_lever_ids", "_tools", "lang")

    lang: str
    _entries: Mapping[str, str]
    _lever_ids: tuple[str, ...]
    _tools: Mapping[str, str]
    _catalogue: _CatalogueLike | None

    def __init__(
        self,
        lang: str = "fr",
        *,
        ecosystem: _EcosystemLike | None = None,
        catalogue: _CatalogueLike | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> None:
        if ecosystem is None:
            ecosystem = load_ecosystem()
        entries = dict(label_file(lang))
        for lever in ecosystem.levers:
            entries.setdefault(f"lever.{lever.id}", lever.name(lang))
        entries.update(extra or {})
        tools = {t.id: t.quoted(lang) for t in ecosystem.tools}
        object.__setattr__(self, "lang", lang)
        object.__setattr__(self, "_entries", MappingProxyType(entries))
        object.__setattr__(self, "_lever_ids", tuple(lv.id for lv in ecosystem.levers))
        object.__setattr__(self, "_tools", MappingProxyType(tools))
        object.__setattr__(self, "_catalogue", catalogue)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Labels is frozen; use labels.extend({...}) for a changed copy")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Labels is frozen")

    # Mapping -------------------------------------------------------------------------------
    def __getitem__(self, key: str) -> str:
        try:
            return self._entries[key]
        except KeyError:
            raise LabelMissing(
                f'no label "{key}" in _data/labels/{self.lang}.yaml{did_you_mean(key, self._entries)}; '
                f"add it to every language file"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Labels({self.lang!r}, {len(self)} entries)"

    # Helpers -------------------------------------------------------------------------------
    def format(self, key: str, **values: object) -> str:
        """The label ``key`` with its ``{placeholders}`` filled from ``values``."""
        text = self[key]
        try:
            return text.format(**values)
        except (KeyError, IndexError) as exc:
            raise ConfigError(
                f'label "{key}" ({self.lang}) needs the value {exc}; got {sorted(values)}'
            ) from exc

    def extend(self, extra: Mapping[str, str]) -> Labels:
        """A copy with ``extra`` entries added or replaced."""
        new = object.__new__(Labels)
        for name in Labels.__slots__:
            object.__setattr__(new, name, getattr(self, name))
        object.__setattr__(new, "_entries", MappingProxyType({**self._entries, **extra}))
        return new

    @property
    def lever_ids(self) -> tuple[str, ...]:
        """Lever ids in the ecosystem's order (the order of the figures)."""
        return self._lever_ids

    def lever(self, lever_id: str) -> str:
        """Name of a lever (``"*"``: the whole programme); an unknown id is returned as it is."""
        if lever_id == "*":
            return self["lever.overall"]
        return self._entries.get(f"lever.{lever_id}", str(lever_id))

    def tool(self, tool_id: str) -> str:
        """Quoted official name of a tool (« point silence »); an unknown id as it is."""
        return self._tools.get(tool_id, str(tool_id))

    def _catalogue_or_packaged(self) -> _CatalogueLike:
        if self._catalogue is not None:
            return self._catalogue
        return load_catalogue()

    def indicator(self, indicator_id: str) -> str:
        """Name of an indicator from the catalogue; an unknown id is returned as it is."""
        if f"indicator.{indicator_id}" in self._entries:
            return self._entries[f"indicator.{indicator_id}"]
        catalogue = self._catalogue_or_packaged()
        if indicator_id in catalogue:
            return str(catalogue[indicator_id].name(self.lang))
        return str(indicator_id)

    def unit(self, indicator_id: str) -> str:
        """Unit of an indicator from the catalogue in the labels' language (``"%"``, « heures »,
        "hours"...: the ``catalogue_unit`` labels translate the catalogue's French units), ``""``
        if unknown."""
        catalogue = self._catalogue_or_packaged()
        if indicator_id not in catalogue:
            return ""
        unit = str(getattr(catalogue[indicator_id], "unit", ""))
        return self._entries.get(f"catalogue_unit.{unit}", unit)

    def is_percent(self, indicator_id: str) -> bool:
        """True when the catalogue gives the indicator as a proportion (unit ``%``)."""
        return self.unit(indicator_id) == "%"

    def dimension(self, dimension: str) -> str:
        """Name of a breakdown dimension (``category`` -> ``catégorie``; ``*``, the whole staff,
        -> ``ensemble``)."""
        if dimension == "*":
            return self["dimension.all"]
        return self._entries.get(f"dimension.{dimension}", str(dimension))

    def group(self, dimension: str, group: str) -> str:
        """Name of a group within a dimension (``gender``, ``F`` -> ``femmes``)."""
        if group == "*":
            return self["group.all"]
        return self._entries.get(f"group.{dimension}.{group}", str(group))


def as_labels(labels: Labels | str) -> Labels:
    """``labels`` as Labels: a language code (``"fr"``, ``"en"``) gives the packaged labels."""
    if isinstance(labels, Labels):
        return labels
    if isinstance(labels, str):
        return Labels(labels)
    raise ConfigError(
        f"labels must be a language ('fr', 'en') or Labels, got {type(labels).__name__}"
    )
