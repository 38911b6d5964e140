"""Project configuration: one YAML file (``eco_eval.yaml``) read once at the entry point.

The file declares the organisation, privacy thresholds, paths, optional ecosystem extensions, the
value scales (French Likert labels to codes) and, for each source, where its files are and how their
columns map to canonical fields. Everything below is frozen: code receives a :class:`Project` and
never reads configuration itself. The pseudonymisation key is *not* configuration: it comes from the
environment or a key file outside the repository (see :mod:`eco_eval.pseudonymise`).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import re2

from eco_eval.ecosystem import Ecosystem, load_ecosystem
from eco_eval.errors import ConfigError, did_you_mean
from eco_eval.instruments import Instrument, load_instruments
from eco_eval.schema import SOURCE_NAMES as SOURCE_NAMES  # the sources, declared in the schema
from eco_eval.schema import load_schema as load_schema
from eco_eval.user_yaml import load_user_yaml, read_user_text

CONFIG_NAME = "eco_eval.yaml"
FORMATS = ("auto", "csv", "xlsx", "sav", "limesurvey", "kobo", "msforms")
#: sources holding survey responses: ``incomplete`` applies to them
SURVEY_SOURCES = ("feedback", "barometer")
INCOMPLETE = ("keep", "exclude")
#: The breakdowns the indicators know: columns of both the HR headcount and the attendance
#: register (``report.breakdowns`` chooses among them).
DIMENSIONS = ("department", "category", "gender", "filiere")
#: placeholders of ``sources.barometer.wave_label`` (see :func:`eco_eval.report.fmt.fmt_wave`)
WAVE_LABEL_FIELDS = ("wave", "year", "month", "month_fr", "month_en", "start", "end")


@dataclass(frozen=True)
class ItemRule:
    """Maps source columns matching ``match`` (a regex) to canonical item codes (``to``)."""

    match: str
    to: str
    scale: str


@dataclass(frozen=True)
class FieldLookup:
    """A canonical field filled from a lookup table: the value of ``column`` (a file column, or
    another field of the same source's ``lookups:``) is looked up in ``table``'s key column and
    the row's ``value`` column is taken."""

    column: str
    table: str
    value: str


@dataclass(frozen=True)
class Lookup:
    """A reference or linkage table (``lookups:``): read as is, never stored; ``key`` is the
    column other sources look values up by, ``identifiers`` the columns never shown in clear."""

    name: str
    pattern: str
    key: str
    format: str = "auto"
    sheet: str | None = None
    header_row: int | None = None
    identifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    name: str
    pattern: str
    format: str = "auto"
    sheet: str | None = None
    header_row: int | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, str] = field(default_factory=dict)  # canonical field -> value scale name
    items: tuple[ItemRule, ...] = ()
    # regex with a named group 'wave' applied to the file name; without it (or when it does not
    # match) the wave comes from the submission dates
    wave_from: str | None = None
    wave_label: str | None = None  # display template of a wave, e.g. "{month_fr} {year}"
    # survey responses without a submission date: "keep" or "exclude"; None: exclude from
    # LimeSurvey exports, keep otherwise (see :meth:`incomplete_rule`)
    incomplete: str | None = None
    identifiers: tuple[str, ...] = ()  # canonical fields holding staff identifiers
    # columns of the files never read nor stored (declared so that ingest accepts a file with
    # columns that look like identifiers: eco_eval.ingest.lookalike)
    ignore: tuple[str, ...] = ()
    required: bool = True
    # LimeSurvey only: glob under data/raw of the survey-structure export(s) (the codebook)
    codebook: str | None = None
    # canonical field -> the lookup that fills it (overrides ``columns``)
    lookups: Mapping[str, FieldLookup] = field(default_factory=dict)

    def lookup_column(self, fld: str) -> str:
        """The column a looked-up field is read from once the lookups are applied."""
        spec = self.lookups[fld]
        return f"{fld} (lookup {spec.table}.{spec.value})"

    def incomplete_rule(self, file_format: str) -> str:
        """``keep`` or ``exclude`` for a file read as ``file_format``: the configured rule, else
        ``exclude`` for a LimeSurvey export (its ``submitdate`` is empty until the respondent
        submits) and ``keep`` for other formats (they export submitted responses only)."""
        if self.incomplete is not None:
            return self.incomplete
        return "exclude" if file_format == "limesurvey" else "keep"


@dataclass(frozen=True)
class Privacy:
    k: int = 5
    k_comments: int = 10
    k_drivers: int = 25
    k_open_data: int = 10
    key_env: str = "ECO_EVAL_KEY"
    key_file: str | None = None
    create_key_if_missing: bool = False


@dataclass(frozen=True)
class Organisation:
    name: str = "Ville"
    siren: str = "000000000"
    siret: str = "00000000000000"


@dataclass(frozen=True)
class Project:
    root: Path
    organisation: Organisation
    privacy: Privacy
    sources: Mapping[str, Source]
    scales: Mapping[str, Mapping[str, Any]]
    lookups: Mapping[str, Lookup] = field(default_factory=dict)
    ecosystem_override: Mapping[str, Any] = field(default_factory=dict)
    instruments_override: Mapping[str, Any] = field(default_factory=dict)
    lang: str = "fr"
    raw_dir_name: str = "data/raw"
    processed_dir_name: str = "data/processed"
    reports_dir_name: str = "reports"
    actions_file: str | None = None
    config_file: Path | None = None
    #: ``report.breakdowns``; None: every breakdown the data has (see :attr:`report_breakdowns`).
    breakdowns: tuple[str, ...] | None = None
    #: ``report.benchmark``: the folder (relative to the project) holding other cities' open-data
    #: packages for the bilan's comparison section; None: no comparison.
    benchmark_dir_name: str | None = None

    @property
    def benchmark_dir(self) -> Path | None:
        """The folder of other cities' open-data packages, or None when none is configured."""
        return None if self.benchmark_dir_name is None else self.root / self.benchmark_dir_name

    #: ``report.overload_hours_per_quarter``: facilitation hours in one quarter above which a
    #: facilitator counts as overloaded; None: the indicator catalogue's parameter (40).
    overload_hours: float | None = None

    @property
    def report_breakdowns(self) -> tuple[str, ...]:
        """The breakdowns the bilan may show: those configured, or every known one (the bilan then
        keeps those present in both the headcount and the attendance)."""
        return DIMENSIONS if self.breakdowns is None else self.breakdowns

    @property
    def raw_dir(self) -> Path:
        return self.root / self.raw_dir_name

    @property
    def processed_dir(self) -> Path:
        return self.root / self.processed_dir_name

    @property
    def store_path(self) -> Path:
        return self.processed_dir / "eco_eval.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.root / self.reports_dir_name

    def instruments(self) -> dict[str, Instrument]:
        """The packaged instruments (WEMWBS, SWEMWBS, WHO-5, lever climate scales) with overrides;
        a new mapping on each call, of instruments parsed once per project."""
        return dict(self._instruments)

    def ecosystem(self) -> Ecosystem:
        """The packaged ecosystem with the project's ``ecosystem:`` section, parsed once."""
        return self._ecosystem

    @cached_property
    def _ecosystem(self) -> Ecosystem:
        return load_ecosystem(self.ecosystem_override, origin=str(self.config_file or CONFIG_NAME))

    @cached_property
    def _instruments(self) -> dict[str, Instrument]:
        return load_instruments(
            self.instruments_override or None, levers=self.ecosystem().lever_ids
        )


def _check_keys(section: Mapping[str, Any], allowed: set[str], where: str, origin: str) -> None:
    for key in section:
        if key not in allowed:
            raise ConfigError(
                f"{origin}: unknown key {where}{key!r}{did_you_mean(key, allowed)}; "
                f"allowed: {', '.join(sorted(allowed))}"
            )


def _source(name: str, doc: Mapping[str, Any], origin: str) -> Source:
    allowed = {f.name for f in Source.__dataclass_fields__.values()} - {"name"}
    _check_keys(doc, allowed, f"sources.{name}.", origin)
    if "pattern" not in doc:
        raise ConfigError(
            f"{origin}: sources.{name} needs a 'pattern' (a glob under data/raw, e.g. 'rh/*.csv')"
        )
    fmt = str(doc.get("format", "auto"))
    if fmt not in FORMATS:
        raise ConfigError(
            f"{origin}: sources.{name}.format {fmt!r} unknown{did_you_mean(fmt, FORMATS)}"
        )
    rules = doc.get("items") or []
    if not isinstance(rules, list | tuple) or not all(isinstance(r, Mapping) for r in rules):
        raise ConfigError(
            f"{origin}: sources.{name}.items must be a list of rules, e.g. "
            "items: [{match: 'SWEMWBS\\[SQ00(\\d)\\]', to: 'swemwbs_\\1', scale: likert5}]"
        )
    items = []
    for i, r in enumerate(rules):
        if "match" not in r or "to" not in r:
            raise ConfigError(f"{origin}: sources.{name}.items[{i}] needs 'match' and 'to'")
        safe_regex(str(r["match"]), f"{origin}: sources.{name}.items[{i}].match")
        items.append(
            ItemRule(match=str(r["match"]), to=str(r["to"]), scale=str(r.get("scale", "")))
        )
    wave_from = doc.get("wave_from")
    if wave_from is not None:
        where = f"{origin}: sources.{name}.wave_from"
        if "wave" not in safe_regex(str(wave_from), where).groupindex:
            raise ConfigError(
                f"{where} {wave_from!r} has no (?P<wave>...) group; write the part of the file "
                "name that names the wave as (?P<wave>...), e.g. 'barometre_(?P<wave>\\d{4}-\\d{2})'"
            )
    codebook = doc.get("codebook")
    if codebook is not None:
        if not isinstance(codebook, str) or not codebook.strip():
            raise ConfigError(
                f"{origin}: sources.{name}.codebook must be a glob under data/raw naming the "
                f"LimeSurvey survey-structure export, e.g. 'barometre/limesurvey_survey_*.txt'"
            )
        if fmt != "limesurvey":
            raise ConfigError(
                f"{origin}: sources.{name}.codebook is for LimeSurvey exports but the source has "
                f"format {fmt!r}; set 'format: limesurvey' or remove the codebook"
            )
    lookups = _field_lookups(name, doc.get("lookups"), origin)
    incomplete = doc.get("incomplete")
    if incomplete is not None:
        if name not in SURVEY_SOURCES:
            raise ConfigError(
                f"{origin}: sources.{name}.incomplete applies to survey sources "
                f"({', '.join(SURVEY_SOURCES)}); remove it"
            )
        if incomplete not in INCOMPLETE:
            raise ConfigError(
                f"{origin}: sources.{name}.incomplete must be 'keep' or 'exclude', not "
                f"{incomplete!r}{did_you_mean(str(incomplete), INCOMPLETE)}"
            )
    wave_label = _wave_label(name, doc, origin)
    return Source(
        name=name,
        pattern=str(doc["pattern"]),
        format=fmt,
        sheet=doc.get("sheet"),
        header_row=doc.get("header_row"),
        columns={str(k): str(v) for k, v in (doc.get("columns") or {}).items()},
        values={str(k): str(v) for k, v in (doc.get("values") or {}).items()},
        items=tuple(items),
        wave_from=None if wave_from is None else str(wave_from),
        wave_label=wave_label,
        incomplete=incomplete,
        identifiers=tuple(doc.get("identifiers", ())),
        ignore=_ignored(name, doc.get("ignore"), origin),
        required=bool(doc.get("required", True)),
        codebook=codebook.strip() if codebook else None,
        lookups=lookups,
    )


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> Any:
    return re2.compile(pattern, _RE2_OPTIONS)


def safe_regex(pattern: str, where: str = "regex") -> Any:
    """``pattern`` compiled by RE2 (google-re2), whose matching time grows linearly with the
    text: a pattern with nested quantifiers cannot hang the ingest. Raises a ConfigError naming
    ``where`` (the file and key) for a pattern RE2 refuses (invalid, or a backreference or
    lookaround, which RE2 does not run)."""
    try:
        return _compiled(pattern)
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ConfigError(
            f"{where}: {pattern!r} is not a usable regular expression ({detail}); write it "
            "without backreferences or lookarounds (the safe RE2 syntax), e.g. 'SWEMWBS_(\\d)'"
        ) from None


def _ignored(name: str, value: Any, origin: str) -> tuple[str, ...]:
    """``sources.<name>.ignore``: a list of column names."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ConfigError(
            f"{origin}: sources.{name}.ignore must be a list of column names, e.g. "
            "ignore: [Téléphone, Nom de naissance]"
        )
    return tuple(str(v) for v in value)


def _mapping(value: Any, where: str, origin: str, example: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{origin}: {where} must be a mapping, e.g. {example}")
    return value


def _field_lookups(name: str, doc: Any, origin: str) -> dict[str, FieldLookup]:
    example = "email: {column: token, table: participants, value: email}"
    out: dict[str, FieldLookup] = {}
    for fld, spec in _mapping(doc, f"sources.{name}.lookups", origin, example).items():
        where = f"sources.{name}.lookups.{fld}"
        spec = _mapping(spec, where, origin, "{column: token, table: participants, value: email}")
        _check_keys(spec, {"column", "table", "value"}, f"{where}.", origin)
        for part in ("column", "table", "value"):
            if not str(spec.get(part) or "").strip():
                raise ConfigError(
                    f"{origin}: {where} needs a '{part}' (e.g. {{column: token, table: "
                    f"participants, value: email}})"
                )
        out[str(fld)] = FieldLookup(str(spec["column"]), str(spec["table"]), str(spec["value"]))
    return out


def _lookup(name: str, doc: Any, origin: str) -> Lookup:
    where = f"lookups.{name}"
    doc = _mapping(doc, where, origin, "{pattern: 'referentiel/directions.csv', key: Code}")
    allowed = {f for f in Lookup.__dataclass_fields__ if f != "name"}
    _check_keys(doc, allowed, f"{where}.", origin)
    for part in ("pattern", "key"):
        if not str(doc.get(part) or "").strip():
            raise ConfigError(
                f"{origin}: {where} needs a '{part}' (pattern: a glob under data/raw; key: the "
                f"column other sources look values up by)"
            )
    fmt = str(doc.get("format", "auto"))
    if fmt not in FORMATS:
        raise ConfigError(f"{origin}: {where}.format {fmt!r} unknown{did_you_mean(fmt, FORMATS)}")
    identifiers = doc.get("identifiers") or ()
    if isinstance(identifiers, str) or not isinstance(identifiers, (list, tuple)):
        raise ConfigError(f"{origin}: {where}.identifiers must be a list of column names")
    return Lookup(
        name=str(name),
        pattern=str(doc["pattern"]),
        key=str(doc["key"]),
        format=fmt,
        sheet=doc.get("sheet"),
        header_row=doc.get("header_row"),
        identifiers=tuple(str(c) for c in identifiers),
    )


def _check_lookups(
    sources: Mapping[str, Source], lookups: Mapping[str, Lookup], origin: str
) -> None:
    """Every field lookup names a declared table and a field of its source's schema; a chain
    (``column`` naming another looked-up field) has no cycle; an identifier of a lookup table
    only fills an identifier field (it is pseudonymised there, never kept in clear)."""
    schema = load_schema()
    for src in sources.values():
        fields = schema[src.name]["fields"]
        for fld, spec in src.lookups.items():
            where = f"sources.{src.name}.lookups.{fld}"
            if fld not in fields:
                raise ConfigError(
                    f"{origin}: {where}: {src.name} has no field {fld!r}"
                    f"{did_you_mean(fld, fields)}; fields: {', '.join(fields)}"
                )
            if spec.table not in lookups:
                declared = ", ".join(lookups) or "none"
                raise ConfigError(
                    f"{origin}: {where}.table {spec.table!r} is not declared under 'lookups:'"
                    f"{did_you_mean(spec.table, lookups)}; declared: {declared}"
                )
            table = lookups[spec.table]
            if spec.value in table.identifiers and fields[fld].get("type") != "identifier":
                raise ConfigError(
                    f"{origin}: {where}: {spec.table}.{spec.value} is an identifier of the lookup "
                    f"table and {src.name}.{fld} is not an identifier field; it would be stored "
                    f"in clear: choose another value column or field"
                )
            seen = [fld]
            step = spec
            while step.column in src.lookups and step.column != fld:
                if step.column in seen:
                    break
                seen.append(step.column)
                step = src.lookups[step.column]
            if step.column in seen or step.column == fld:
                chain = " -> ".join([*seen, step.column])
                raise ConfigError(
                    f"{origin}: sources.{src.name}.lookups form a cycle ({chain}); a lookup's "
                    f"column must end at a column of the file"
                )


def _wave_label(name: str, doc: Mapping[str, Any], origin: str) -> str | None:
    """``sources.barometer.wave_label``, checked: a text whose placeholders are known."""
    label = doc.get("wave_label")
    if label is None:
        return None
    if name != "barometer":
        raise ConfigError(f"{origin}: sources.{name}.wave_label is for the barometer; remove it")
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(str(label)) if f is not None]
    except ValueError as exc:
        raise ConfigError(
            f"{origin}: sources.barometer.wave_label {label!r}: {exc}; write placeholders as "
            f"{{month_fr}} {{year}}"
        ) from exc
    for f in fields:
        if f not in WAVE_LABEL_FIELDS:
            raise ConfigError(
                f"{origin}: sources.barometer.wave_label: unknown placeholder {{{f}}}"
                f"{did_you_mean(f, WAVE_LABEL_FIELDS)}; placeholders: "
                f"{', '.join(WAVE_LABEL_FIELDS)}"
            )
    return str(label)


def parse_config(doc: Mapping[str, Any], root: Path, origin: str = CONFIG_NAME) -> Project:
    """Build a :class:`Project` from a parsed YAML mapping; every unknown key is an error."""
    allowed = {
        "organisation",
        "privacy",
        "paths",
        "sources",
        "scales",
        "ecosystem",
        "report",
        "actions",
        "instruments",
        "lookups",
    }
    _check_keys(doc, allowed, "", origin)
    org = doc.get("organisation") or {}
    _check_keys(org, {"name", "siren", "siret"}, "organisation.", origin)
    priv = doc.get("privacy") or {}
    _check_keys(priv, set(Privacy.__dataclass_fields__), "privacy.", origin)
    for name in ("k", "k_comments", "k_drivers", "k_open_data"):
        value = priv.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(
                f"{origin}: privacy.{name} = {value!r}: expected a whole number of people "
                f"written without quotes, e.g. {name}: {getattr(Privacy, name)}"
            )
    privacy = Privacy(**priv)
    if privacy.k < 3:
        raise ConfigError(
            f"{origin}: privacy.k = {privacy.k} is below 3; the anonymity threshold is never below 3"
        )
    paths = doc.get("paths") or {}
    _check_keys(paths, {"raw", "processed", "reports"}, "paths.", origin)
    sources_doc = doc.get("sources") or {}
    for name in sources_doc:
        if name not in SOURCE_NAMES:
            raise ConfigError(
                f"{origin}: unknown source {name!r}{did_you_mean(name, SOURCE_NAMES)}"
            )
    sources = {name: _source(name, sdoc or {}, origin) for name, sdoc in sources_doc.items()}
    lookups_doc = _mapping(
        doc.get("lookups"), "lookups", origin, "{directions: {pattern: 'ref/dir.csv', key: Code}}"
    )
    lookups = {str(n): _lookup(str(n), ldoc, origin) for n, ldoc in lookups_doc.items()}
    _check_lookups(sources, lookups, origin)
    scales = {
        str(name): {str(label): code for label, code in (mapping or {}).items()}
        for name, mapping in (doc.get("scales") or {}).items()
    }
    for src in sources.values():
        for fld, scale in src.values.items():
            if scale not in scales and scale not in {"tool", "yes_no"}:
                raise ConfigError(
                    f"{origin}: sources.{src.name}.values.{fld} uses scale {scale!r} "
                    f"that is not declared under 'scales:'{did_you_mean(scale, scales)}"
                )
    report = doc.get("report") or {}
    _check_keys(
        report, {"lang", "breakdowns", "benchmark", "overload_hours_per_quarter"}, "report.", origin
    )
    lang = str(report.get("lang", "fr"))
    if lang not in {"fr", "en"}:
        raise ConfigError(f"{origin}: report.lang must be 'fr' or 'en', not {lang!r}")
    breakdowns = parse_breakdowns(report.get("breakdowns"), f"{origin}: report.breakdowns")
    overload = report.get("overload_hours_per_quarter")
    if overload is not None and (
        isinstance(overload, bool) or not isinstance(overload, int | float) or overload <= 0
    ):
        raise ConfigError(
            f"{origin}: report.overload_hours_per_quarter must be a positive number of hours, "
            f"not {overload!r}; e.g. overload_hours_per_quarter: 40"
        )
    return Project(
        root=root,
        organisation=Organisation(**{k: str(v) for k, v in org.items()}),
        privacy=privacy,
        sources=sources,
        scales=scales,
        lookups=lookups,
        ecosystem_override=doc.get("ecosystem") or {},
        instruments_override=doc.get("instruments") or {},
        lang=lang,
        raw_dir_name=str(paths.get("raw", "data/raw")),
        processed_dir_name=str(paths.get("processed", "data/processed")),
        reports_dir_name=str(paths.get("reports", "reports")),
        actions_file=doc.get("actions"),
        config_file=root / CONFIG_NAME,
        breakdowns=breakdowns,
        benchmark_dir_name=None if report.get("benchmark") is None else str(report["benchmark"]),
        overload_hours=None if overload is None else float(overload),
    )


def parse_breakdowns(value: Any, where: str) -> tuple[str, ...] | None:
    """A list of known breakdowns, each once (None when not set); ``where`` starts the message."""
    if value is None:
        return None
    known = f"known breakdowns: {', '.join(DIMENSIONS)}"
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigError(f"{where} must be a list, e.g. [department, category]; {known}")
    out: list[str] = []
    for item in value:
        name = str(item)
        if name not in DIMENSIONS:
            raise ConfigError(
                f"{where}: unknown breakdown {name!r}{did_you_mean(name, DIMENSIONS)}; {known}"
            )
        if name in out:
            raise ConfigError(f"{where} lists {name!r} twice; list it once")
        out.append(name)
    return tuple(out)


def load_project(root: Path | str = ".") -> Project:
    """Read ``eco_eval.yaml`` in ``root``; a clear ConfigError when missing or malformed."""
    root = Path(root).resolve()
    path = root / CONFIG_NAME
    if not path.exists():
        raise ConfigError(
            f"{path}: no project configuration here; run 'eco-eval demo' to create the demo project, "
            f"or copy src/eco_eval/_data/demo_project.yaml (the worked example, see docs/configuration.md) and adapt it (or pass --project DIR)"
        )
    doc = load_user_yaml(read_user_text(path), str(path)) or {}
    if not isinstance(doc, Mapping):
        raise ConfigError(
            f"{path}: expected a mapping of sections (organisation, privacy, sources...)"
        )
    return parse_config(doc, root, origin=str(path))


def demo_config_text() -> str:
    """The demo city's configuration, the worked example of docs/configuration.md."""
    return (
        resources.files("eco_eval").joinpath("_data/demo_project.yaml").read_text(encoding="utf-8")
    )
