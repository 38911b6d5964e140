"""The data-quality page and its parts: by source, by reason, with examples, in words.

Takes the store's ``ingest_log`` and what :func:`eco_eval.store_quality.quality_tables` reads of
the ``quarantine`` and ``linkage`` tables as frames, so that the same summary serves the
data-quality page written after each ingest, the bilan's data-quality section and ``eco-eval
doctor``. Reasons are the gate's rule ids (``range:satisfaction``, ``known_session``...) turned
into sentences of the report's language.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from html import escape
from typing import Any

import pandas as pd

from eco_eval.report.cells import text_table
from eco_eval.report.fmt import fmt_number

#: reasons shown with their count for every source that has them, even outside the top ones:
#: a choice of the configuration the reader must see (``sources.*.incomplete``)
ALWAYS_SHOWN = ("incomplete_response",)


def reason_text(reason: str, labels: Any) -> str:
    """``range:recommend`` -> "valeur hors plage (note de recommandation (0 à 10))" in the labels'
    language: the canonical field named in words (``field.<name>``)."""
    kind, _, field = reason.partition(":")
    key = f"bilan.reason_{kind}"
    if key not in labels:
        return reason
    if not field:
        return str(labels[key])
    name = labels.get(f"field.{field}", field)
    return str(labels.format(key, field=name))


def is_codebook(log: pd.DataFrame) -> pd.Series:
    """Rows of the ingest log that record a codebook (``sources.*.codebook``): inputs without rows."""
    detail = log["detail"].astype("str").fillna("")
    return detail.str.contains('"role": "codebook"', regex=False)


def is_lookup(log: pd.DataFrame) -> pd.Series:
    """Rows of the ingest log that record a lookup table's file (``lookups:``): read, not stored."""
    detail = log["detail"].astype("str").fillna("")
    return detail.str.contains('"role": "lookup"', regex=False)


def latest_log(
    log: pd.DataFrame, *, codebooks: bool = False, lookups: bool = False
) -> pd.DataFrame:
    """The ingest-log row of the version of each file currently in the store.

    Codebook files hold no rows and lookup-table files fill no table: they are left out (their
    checksums are in the provenance) unless ``codebooks=True`` / ``lookups=True``.
    """
    if log.empty:
        return log
    latest = log.sort_values("ingested_at").groupby("source_file", as_index=False).tail(1)
    if not codebooks:
        latest = latest[~is_codebook(latest)]
    return latest if lookups else latest[~is_lookup(latest)]


LOOKUP_COUNTS = ["matched", "empty", "unmatched", "ambiguous", "no_value"]


def lookup_counts(log: pd.DataFrame) -> pd.DataFrame:
    """One row per source and looked-up field (``sources.*.lookups``), over the rows read of the
    files in the store: ``table_name``, ``field``, ``lookup``, ``value``, the rows by outcome
    (:data:`LOOKUP_COUNTS`) and ``unmatched_values`` (code -> rows; never identifiers)."""
    columns = ["table_name", "field", "lookup", "value", *LOOKUP_COUNTS, "unmatched_values"]
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    latest = latest_log(log)
    for r in latest.sort_values(["table_name", "source_file"]).itertuples():
        detail = json.loads(str(r.detail or "{}"))
        for fld, counts in (detail.get("lookups") or {}).items():
            row = totals.setdefault(
                (str(r.table_name), fld),
                {"table_name": r.table_name, "field": fld, "lookup": counts.get("table"),
                 "value": counts.get("value"), **dict.fromkeys(LOOKUP_COUNTS, 0),
                 "unmatched_values": Counter()},
            )  # fmt: skip
            for name in LOOKUP_COUNTS:
                row[name] += int(counts.get(name, 0))
            row["unmatched_values"].update(counts.get("unmatched_values") or {})
    rows = [
        {**row, "unmatched_values": dict(row["unmatched_values"].most_common())}
        for row in totals.values()
    ]
    return pd.DataFrame(rows, columns=columns)


def _codes(values: Any, n: Any) -> str:
    return ", ".join(f"{code} ({n(k)})" for code, k in dict(values).items()) or "–"


def link_cause_text(cause: str, labels: Any) -> str:
    """``not_in_lookup:participants`` -> "valeur absente de la table « participants »"."""
    kind, _, table = cause.partition(":")
    key = f"bilan.link_{kind}"
    if key not in labels:
        return cause
    return labels.format(key, table=table) if table else labels[key]


def linkage_html(linkage: pd.DataFrame | None, log: pd.DataFrame, labels: Any) -> str:
    """The page's linkage part: link rates of the person-keyed sources (with what failed to
    link) and the lookups' match counts (with the codes a reference did not know)."""
    lang = labels.lang
    t = labels.__getitem__

    def n(value: Any) -> str:
        return fmt_number(int(value), lang, digits=0)

    parts = []
    if linkage is not None and len(linkage):
        parts.append(f"<h2>{escape(t('bilan.dq_linkage'))}</h2><ul>")
        for r in linkage.to_dict("records"):
            line = labels.format(
                "bilan.dq_linkage_line",
                linked=n(r["linked"]),
                rows=n(r["rows"]),
                source=labels.get(f"bilan.source_{r['table_name']}", r["table_name"]),
            )
            causes = "; ".join(
                f"{link_cause_text(c, labels)} ({n(k)})" for c, k in r["causes"].items()
            )
            if causes:
                line += f" — {t('bilan.dq_link_unlinked')} : {causes}"
            parts.append(f"<li>{escape(line)}</li>")
        parts.append("</ul>")
    counts = lookup_counts(log)
    if len(counts):
        parts.append(f"<h2>{escape(t('bilan.dq_lookups'))}</h2>")
        parts.append(
            _table(
                [
                    t("bilan.dq_source"),
                    t("bilan.dq_lookup_field"),
                    t("bilan.dq_lookup_table"),
                    t("bilan.dq_matched"),
                    t("bilan.dq_empty"),
                    t("bilan.dq_unmatched"),
                    t("bilan.dq_unmatched_values"),
                ],
                [
                    [
                        labels.get(f"bilan.source_{r['table_name']}", r["table_name"]),
                        r["field"],
                        f"{r['lookup']}.{r['value']}",
                        n(r["matched"]),
                        n(r["empty"]),
                        n(r["unmatched"] + r["ambiguous"] + r["no_value"]),
                        _codes(r["unmatched_values"], n),
                    ]
                    for r in counts.to_dict("records")
                ],
            )
        )
    files = latest_log(log, lookups=True)
    files = files[is_lookup(files)] if len(files) else files
    if len(files):
        parts.append(
            f"<p>{escape(t('bilan.dq_lookup_files'))} : "
            + ", ".join(
                f"{escape(str(r.source_file))} ({n(r.rows_read)}, SHA-256 "
                f"{escape(str(r.sha256)[:12])})"
                for r in files.sort_values("source_file").itertuples()
            )
            + "</p>"
        )
    return "".join(parts)


def summary_by_source(
    log: pd.DataFrame, quarantine: pd.DataFrame, labels: Any, *, top: int = 3
) -> pd.DataFrame:
    """One row per source: files, read, accepted, quarantined, duplicates, top reasons (in words).

    ``quarantine``: the quarantined rows' ``table_name`` and ``reasons``, or those columns and
    ``n``, the number of rows with them (:data:`eco_eval.store_quality.REASON_COUNTS_SQL`: the
    store counts them instead of handing over every quarantined row). Invariant shown to readers: read = accepted + quarantined
    for every source.
    """
    latest = latest_log(log)
    rows = []
    for table, part in latest.groupby("table_name", sort=False):
        q = quarantine[quarantine["table_name"] == table]
        counts: Counter[str] = Counter()
        weights = q["n"] if "n" in q else pd.Series(1, index=q.index)
        for reasons, n in zip(q["reasons"], weights, strict=True):
            if pd.notna(reasons):
                for r in str(reasons).split(";"):
                    if r.strip():
                        counts[r.strip()] += int(n)
        key = f"bilan.source_{table}"
        rows.append(
            {
                "source": labels.get(key, table),
                "table": table,
                "files": len(part),
                "read": int(part["rows_read"].sum()),
                "accepted": int(part["rows_accepted"].sum()),
                "quarantined": int(part["rows_quarantined"].sum()),
                "duplicates": int(part["duplicates"].sum()),
                "top_reasons": "; ".join(
                    f"{reason_text(r, labels)} ({n})" for r, n in _shown(counts, top)
                ),
            }
        )
    return pd.DataFrame(rows)


def _shown(counts: Counter[str], top: int) -> list[tuple[str, int]]:
    """The ``top`` most frequent reasons, then those of :data:`ALWAYS_SHOWN` not among them."""
    shown = counts.most_common(top)
    named = {r for r, _ in shown}
    return shown + [(r, counts[r]) for r in ALWAYS_SHOWN if counts[r] and r not in named]


def _undated_totals(latest: pd.DataFrame) -> dict[str, int]:
    """Sessions logged without a date and the sign-ins at them, over the files' log details
    (kept in the programme's totals, out of every period's figures)."""
    out = {"sessions": 0, "sign_ins": 0}
    for detail in latest["detail"] if len(latest) else []:
        found = json.loads(str(detail or "{}"))
        out["sessions"] += int(found.get("undated_sessions", 0))
        out["sign_ins"] += int(found.get("undated_sign_ins", 0))
    return out


#: headers of quasi-identifiers (accents and case ignored): an example never shows them, so that
#: no example row combines a person's department, category and gender
_QUASI = re.compile(
    r"\b(direction|directions|departement|department|service|pole|categorie|category|cat|"
    r"genre|gender|sexe|sex|filiere|grade|statut|age|anciennete|site|unite)\b"
)


def coarsened_example(raw: Any, *, width: int = 60) -> str:
    """A quarantined row's JSON for the page: quasi-identifiers (department, category,
    gender...) shown as ``•••``, every other value cut to ``width`` characters (pseudonyms and
    masked text as stored)."""
    try:
        row = json.loads(str(raw))
    except ValueError:
        return ""
    if not isinstance(row, dict):
        return ""
    out: dict[str, str | None] = {}
    for key, value in row.items():
        name = unicodedata.normalize("NFKD", str(key)).encode("ascii", "ignore").decode().lower()
        name = re.sub(r"[^a-z0-9]+", " ", name)
        if value is None:
            out[key] = None
        elif _QUASI.search(name):
            out[key] = "•••"
        else:
            out[key] = str(value)[:width]
    return json.dumps(out, ensure_ascii=False)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    return text_table(headers, rows, cls="eco-table")


def render_page(
    log: pd.DataFrame,
    quarantine: pd.DataFrame,
    labels: Any,
    *,
    when: str,
    warnings: Sequence[str] = (),
    examples_per_reason: int = 3,
    examples: pd.DataFrame | None = None,
    linkage: pd.DataFrame | None = None,
) -> str:
    """A self-contained HTML page: summary by source, per file, examples of quarantined rows.

    ``quarantine`` as :func:`summary_by_source` takes it; ``examples``: the rows to show (by
    default the first ``examples_per_reason`` of each first reason of ``quarantine``, which
    must then hold every row); ``linkage``: the link rates (:func:`eco_eval.store_quality.link_rates`);
    :func:`eco_eval.store_quality.quality_tables` reads all of them from the store."""
    lang = labels.lang
    summary = summary_by_source(log, quarantine, labels)
    t = labels.__getitem__
    parts = [
        f"<h1>{escape(labels.format('bilan.dq_page_title', date=when))}</h1>",
        f"<p>{escape(t('bilan.dq_page_intro'))}</p>",
    ]
    parts.append(f"<h2>{escape(t('bilan.dq_by_source'))}</h2>")
    parts.append(
        _table(
            [
                t("bilan.dq_source"),
                t("bilan.dq_file"),
                t("bilan.dq_read"),
                t("bilan.dq_accepted"),
                t("bilan.dq_quarantined"),
                t("bilan.dq_reasons"),
            ],
            [
                [
                    r.source,
                    r.files,
                    fmt_number(r.read, lang, digits=0),
                    fmt_number(r.accepted, lang, digits=0),
                    fmt_number(r.quarantined, lang, digits=0),
                    r.top_reasons or "–",
                ]
                for r in summary.itertuples()
            ],
        )
    )
    latest = latest_log(log)
    rows = []
    for r in latest.sort_values(["table_name", "source_file"]).itertuples():
        detail = json.loads(str(r.detail or "{}"))
        reasons = "; ".join(
            f"{reason_text(k, labels)} ({v})"
            for k, v in _shown(Counter(detail.get("top_reasons") or {}), 3)
        )
        rows.append(
            [
                r.source_file,
                str(r.sha256)[:12],
                fmt_number(r.rows_read, lang, digits=0),
                fmt_number(r.rows_accepted, lang, digits=0),
                fmt_number(r.rows_quarantined, lang, digits=0),
                reasons or "–",
            ]
        )
    parts.append(
        _table(
            [
                t("bilan.dq_file"),
                "SHA-256",
                t("bilan.dq_read"),
                t("bilan.dq_accepted"),
                t("bilan.dq_quarantined"),
                t("bilan.dq_reasons"),
            ],
            rows,
        )
    )
    undated = _undated_totals(latest)
    if undated["sessions"] or undated["sign_ins"]:
        parts.append(
            "<p>"
            + escape(
                labels.format(
                    "bilan.dq_undated",
                    sessions=fmt_number(undated["sessions"], lang, digits=0),
                    sign_ins=fmt_number(undated["sign_ins"], lang, digits=0),
                )
            )
            + "</p>"
        )
    books = latest_log(log, codebooks=True)
    books = books[is_codebook(books)] if len(books) else books
    if len(books):
        parts.append(
            f"<p>{escape(labels['bilan.dq_codebooks'])} : "
            + ", ".join(
                f"{escape(str(r.source_file))} (SHA-256 {escape(str(r.sha256)[:12])})"
                for r in books.sort_values("source_file").itertuples()
            )
            + "</p>"
        )
    parts.append(linkage_html(linkage, log, labels))
    if warnings:
        parts.append(
            f"<h2>{escape(t('bilan.dq_warnings'))}</h2><ul>"
            + "".join(f"<li>{escape(w)}</li>" for w in warnings)
            + "</ul>"
        )
    if examples is None and len(quarantine):
        examples = (
            quarantine.assign(first=quarantine["reasons"].str.split(";").str[0])
            .groupby("first", sort=True)
            .head(examples_per_reason)
        )
    if examples is not None and len(examples):
        parts.append(f"<h2>{escape(t('bilan.dq_examples'))}</h2>")
        parts.append(
            _table(
                [t("bilan.dq_file"), t("bilan.dq_line"), t("bilan.dq_reasons"), "JSON"],
                [
                    [
                        r.source_file,
                        r.source_line,
                        "; ".join(
                            reason_text(x.strip(), labels) for x in str(r.reasons).split(";")
                        ),
                        coarsened_example(r.raw),
                    ]
                    for r in examples.itertuples()
                ],
            )
        )
    style = "body{font-family:DejaVu Sans,Arial,sans-serif;margin:2rem;max-width:75rem}table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border-bottom:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}td.num{white-space:nowrap;text-align:right;overflow-wrap:normal}"
    return f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8"><title>{escape(labels.format("bilan.dq_page_title", date=when))}</title><style>{style}</style></head><body>{"".join(parts)}</body></html>'
