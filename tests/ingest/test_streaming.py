"""Ingest: vectorised row rules, slices written as they are gated, removed raw files."""

from __future__ import annotations

import itertools
import json
import os
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eco_eval.child as child_module
import eco_eval.ingest.aside as aside_module
from eco_eval.config import load_project
from eco_eval.errors import EcoEvalError
from eco_eval.ingest import ingest, quarter_labels, tuning
from eco_eval.ingest.duplicates import mark_duplicates
from eco_eval.ingest.gate import raw_json
from eco_eval.ingest.mapping import person_key_column
from eco_eval.ingest.validation import Rule, build_rules, run_gate
from eco_eval.periods import quarter_of
from eco_eval.store import open_store

KEY = "test-key-0123456789abcdef0123456789abcdef"


@pytest.fixture
def demo_copy(demo_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ECO_EVAL_KEY", KEY)
    root = tmp_path / "city"
    shutil.copytree(demo_project, root)
    return root


def _tables(root: Path) -> dict[str, pd.DataFrame]:
    store = open_store(load_project(root).store_path)
    out = {}
    for name in (
        "headcount",
        "sessions",
        "attendance",
        "feedback",
        "barometer",
        "ideas",
        "hr_results",
        "citizen_satisfaction",
        "quarantine",
    ):
        frame = store.sql(f'SELECT * FROM "{name}"')
        cols = list(frame.columns)
        out[name] = frame.sort_values(
            cols, key=lambda s: s.astype("string").fillna("\x00")
        ).reset_index(drop=True)
    log = store.sql("SELECT * EXCLUDE (ingested_at) FROM ingest_log")
    out["ingest_log"] = log.sort_values("source_file").reset_index(drop=True)
    return out


def test_removed_raw_file_leaves_the_store_and_the_known_files(demo_copy: Path):
    project = load_project(demo_copy)
    label = "data/raw/presences/emargements_2016-T3.csv"
    store = open_store(project.store_path)
    assert label in store.known_files()
    assert (store.sql(f"SELECT count(*) n FROM attendance WHERE source_file = '{label}'").n[0]) > 0
    (demo_copy / label).unlink()
    report = ingest(project)
    assert report.changed and report.removed_files == [label]
    store = open_store(project.store_path)
    assert label not in store.known_files()
    for table in ("attendance", "quarantine", "ingest_log"):
        n = store.sql(f"SELECT count(*) n FROM {table} WHERE source_file = '{label}'").n[0]
        assert n == 0, table
    before = project.store_path.read_bytes()
    again = ingest(project)
    assert not again.changed and again.removed_files == []
    assert project.store_path.read_bytes() == before


def test_slices_give_the_same_store_as_whole_files(demo_copy: Path, monkeypatch):
    whole = _tables(demo_copy)
    # tiny slices and batches: unique ids and duplicate submissions across slices and files
    monkeypatch.setattr(tuning, "CHUNK_ROWS", 997)
    monkeypatch.setattr(tuning, "CHUNK_CELLS", 30_000)
    monkeypatch.setattr(tuning, "CHECKPOINT_ROWS", 5_000)
    report = ingest(load_project(demo_copy), force=True)
    assert report.totals["duplicates"] > 0
    sliced = _tables(demo_copy)
    # the new store starts empty but for the ingest log, whose history is kept
    assert len(sliced["ingest_log"]) == 2 * len(whole["ingest_log"])
    for name, frame in whole.items():
        other = sliced[name]
        if name == "ingest_log":  # the force run adds a second log row per file: the latest
            other = other.drop_duplicates("source_file", keep="last").reset_index(drop=True)
            frame = frame.drop_duplicates("source_file", keep="last").reset_index(drop=True)
            frame, other = frame.drop(columns=["detail"]), other.drop(columns=["detail"])
        pd.testing.assert_frame_equal(frame, other, check_exact=True, obj=name)


def test_quarter_labels_match_quarter_of():
    edges = [pd.Timestamp("2015-01-01"), pd.NaT, pd.Timestamp("2016-03-31")]
    days = pd.Series([*edges, *pd.date_range("2014-01-01", "2018-12-31", freq="17D")])
    expected = [quarter_of(d.date()) if pd.notna(d) else None for d in days]
    assert quarter_labels(days).tolist() == expected
    assert quarter_labels(pd.Series([], dtype="datetime64[ns]")).tolist() == []
    assert quarter_labels(pd.Series([pd.NaT, pd.NaT])).tolist() == [None, None]


def _mark_duplicates_by_group(frame: pd.DataFrame, on: list[str]) -> np.ndarray:
    """The former loop over groups, kept as the reference."""
    key = frame[on].astype("string").fillna("<NA>").agg("\x1f".join, axis=1)
    ts = pd.to_datetime(frame.get("submitted_at"), errors="coerce")
    dup = np.zeros(len(frame), dtype=bool)
    comment = frame.get("comment")
    for _, idx in key.groupby(key).groups.items():
        if len(idx) < 2:
            continue
        pos = [frame.index.get_loc(i) for i in idx]
        pos.sort(key=lambda p: (ts.iloc[p] if pd.notna(ts.iloc[p]) else pd.Timestamp.min, p))
        for a, b in itertools.pairwise(pos):
            ta, tb = ts.iloc[a], ts.iloc[b]
            if pd.notna(ta) and pd.notna(tb):
                close = abs((tb - ta).total_seconds()) <= 600
            else:
                close = bool(pd.notna(comment.iloc[b]) and str(comment.iloc[b]).strip())
            if close:
                dup[b] = True
    return dup


def test_vectorised_duplicates_match_the_group_loop():
    rng = np.random.default_rng(3)
    n = 3_000
    base = pd.Timestamp("2016-05-01 10:00")
    frame = pd.DataFrame(
        {
            "session_id": rng.choice(["S1", "S2", None], n),
            "tool_id": rng.choice(["t1", "t2"], n),
            "satisfaction": rng.choice([4.0, 5.0, np.nan], n),
            "usefulness": 5.0,
            "recommend": rng.choice([9.0, 10.0], n),
            "comment": rng.choice([None, "", "  ", "Très bien", "bof"], n),
            "submitted_at": [
                pd.NaT if rng.random() < 0.2 else base + pd.Timedelta(seconds=int(s))
                for s in rng.integers(0, 4_000, n)
            ],
        },
        index=rng.permutation(n) + 10,
    )
    frame.loc[frame.index[:50], "submitted_at"] = base + pd.Timedelta(seconds=600)
    frame.loc[frame.index[50:100], "submitted_at"] = base
    on = ["session_id", "tool_id", "satisfaction", "usefulness", "recommend", "comment"]
    expected = _mark_duplicates_by_group(frame, on)
    assert expected.sum() > 100
    np.testing.assert_array_equal(mark_duplicates(frame, on), expected)


def test_person_key_joins_names_like_the_row_join():
    frame = pd.DataFrame(
        {
            "matricule": [None, "A1", None, None, None],
            "email": [None, None, "x@y.fr", None, None],
            "last_name": ["Curie", "Curie", None, None, "  "],
            "first_name": ["Marie", None, None, "Jean", None],
        }
    )
    keys = person_key_column(frame, ["matricule", "email", ["last_name", "first_name"]], b"k" * 32)
    from eco_eval.pseudonymise import pseudonym

    assert [None if pd.isna(k) else k for k in keys] == [
        pseudonym(b"k" * 32, "Curie Marie", kind="person:last_name+first_name"),
        pseudonym(b"k" * 32, "A1", kind="person"),
        pseudonym(b"k" * 32, "x@y.fr", kind="person:email"),
        pseudonym(b"k" * 32, "Jean", kind="person:last_name+first_name"),
        None,
    ]


def test_gate_masks_and_uniqueness_across_slices():
    rules = [
        Rule("required:id", "ExpectColumnValuesToNotBeNull", "id", {}),
        Rule("unique:id", "ExpectColumnValuesToBeUnique", "id", {}),
        Rule("range:x", "ExpectColumnValuesToBeBetween", "x", {"min_value": 1, "max_value": 5}),
        Rule(
            "in_span:d",
            "ExpectColumnValuesToBeBetween",
            "d",
            {"min_value": pd.Timestamp(2015, 1, 1), "max_value": pd.Timestamp(2017, 12, 31)},
        ),
        Rule(
            "known_session",
            "ExpectColumnValuesToBeInSet",
            "_known:s",
            {"value_set": [True]},
            of="s",
            members=["S1", "S2"],
        ),
    ]
    first = pd.DataFrame(
        {
            "id": ["a", "b", "a", None],
            "x": [1.0, 6.0, None, 3.0],
            "d": [date(2016, 1, 1), date(2014, 12, 31), None, date(2017, 12, 31)],
            "s": ["S1", "S3", None, "S2"],
        }
    )
    seen: dict[str, set] = {}
    masks = run_gate("t", first, rules, seen=seen)
    assert {k: v.tolist() for k, v in masks.items()} == {
        "required:id": [False, False, False, True],
        "unique:id": [False, False, True, False],
        "range:x": [False, True, False, False],
        "in_span:d": [False, True, False, False],
        "known_session": [False, True, False, False],
    }
    second = pd.DataFrame({"id": ["c", "b"], "x": [2.0, 2.0], "d": [None, None], "s": ["S1", "S2"]})
    masks = run_gate("t", second, rules, seen=seen)
    assert {k: v.tolist() for k, v in masks.items()} == {"unique:id": [False, True]}


def test_the_gate_imports_gx_without_the_iri_grammar_or_altair_and_leaves_altair_importable():
    """The gate's first suite imports GX without ``rfc3987_syntax`` (its grammar compiles at
    import: jsonschema is pinned below the version that loads it) and with ``altair`` deferred
    (one GX expectation draws charts with it); afterwards altair imports as usual, and GX's
    reference to it reaches the real module on first use."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from eco_eval.ingest.validation import Rule, _suite\n"
        "_suite('t', [Rule('r', 'ExpectColumnValuesToNotBeNull', 'a', {})])\n"
        "print('great_expectations' in sys.modules, 'rfc3987_syntax' in sys.modules,"
        " 'altair' in sys.modules)\n"
        "from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than"
        " as kl\n"
        "print(kl.alt.Chart.__module__)\n"
        "import altair\n"
        "print(type(altair).__name__, 'rfc3987_syntax' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [
        "True",
        "False",
        "False",
        "altair.vegalite.v6.api",
        "module",
        "False",
    ]


def test_item_rules_stacked_give_each_item_its_failing_rows():
    """The barometer's item ranges run as one GX rule over a stacked column of distances; the
    failing rows must be those of each item checked on its own range (pandas ``between``),
    at the bounds and one floating-point step beyond them too."""
    rng = np.random.default_rng(7)
    ranges = {"swemwbs": (1, 5), "who5": (0, 5), "part": (0, 1)}
    items = [*(f"swemwbs_{i}" for i in range(1, 8)), "who5_1", "who5_2", "part_a"]
    n = 500
    # the bounds of each range and one floating-point step either side of them
    edges = [np.nextafter(b, d) for b in (0.0, 1.0, 5.0) for d in (-np.inf, np.inf)]
    frame = pd.DataFrame(
        {c: rng.choice([np.nan, -1.0, 0.0, 1.0, 3.0, 5.0, 6.0, *edges], size=n) for c in items}
    )
    frame.insert(0, "response_id", [f"r{i}" for i in range(n)])
    spec = {"fields": {"response_id": {"required": True}}, "item_ranges": ranges}
    rules = build_rules("barometer", spec, list(frame.columns), item_columns=items)
    assert sum(r.family is not None for r in rules) == len(items)
    masks = run_gate("barometer", frame, rules)
    for c in items:
        lo, hi = ranges[c.split("_", 1)[0]]
        expected = (frame[c].notna() & ~frame[c].between(lo, hi)).to_numpy()
        assert expected.any()
        np.testing.assert_array_equal(masks[f"range:{c}"], expected, err_msg=c)
    assert "required:response_id" not in masks


def _latest_log(log: pd.DataFrame) -> pd.DataFrame:
    out = log.drop_duplicates("source_file", keep="last").reset_index(drop=True)
    details = [json.loads(d) for d in out["detail"]]
    return out.assign(detail=[{k: v for k, v in d.items() if k != "path"} for d in details])


def test_sources_ingested_aside_give_the_same_store(demo_copy: Path, monkeypatch):
    """A child process ingests the barometer, ideas, HR results and citizen satisfaction while
    the parent ingests the rest: same store, same log, no scratch file or process left."""
    import multiprocessing

    serial = _tables(demo_copy)
    monkeypatch.setattr(aside_module, "MIN_BYTES", 0)  # the demo's files are small
    envs, popen = [], child_module.subprocess.Popen

    def recording_popen(*args, **kwargs):
        envs.append(kwargs.get("env"))
        return popen(*args, **kwargs)

    monkeypatch.setattr(child_module.subprocess, "Popen", recording_popen)
    monkeypatch.setenv("ECO_EVAL_PROBE", "kept")
    load_project(demo_copy).store_path.unlink()  # a first ingest: no item column yet
    report = ingest(load_project(demo_copy))
    assert {f.table for f in report.files} >= {"barometer", "attendance"}
    aside = _tables(demo_copy)
    for name, frame in serial.items():
        other = aside[name]
        if name == "ingest_log":  # the same, but for the copy's absolute path in the detail
            frame, other = (_latest_log(f) for f in (frame, other))
        pd.testing.assert_frame_equal(frame, other, check_exact=True, obj=name)
    assert not list((demo_copy / "data" / "processed").glob(".*.part*"))
    assert not multiprocessing.active_children()
    # the child's allocator setting, and the parent's environment passed on
    assert envs and envs[0]["MIMALLOC_PURGE_DELAY"] == "-1" and envs[0]["ECO_EVAL_PROBE"] == "kept"


def test_sources_ingested_aside_need_nothing_from_the_others():
    """What makes ingesting them in another process safe, checked on the packaged schema."""
    from eco_eval.ingest.aside import SOURCES
    from eco_eval.ingest.mapping import load_schema

    schema = load_schema()
    for name in SOURCES:
        kinds = {f.get("type") for f in schema[name]["fields"].values()}
        assert "free_text" not in kinds, name  # free text is masked with attendance names
        assert not any(f.get("references") for f in schema[name]["fields"].values()), name
        assert not schema[name].get("duplicates_on"), name
    assert not {"headcount", "sessions", "attendance", "feedback"} & set(SOURCES)


def test_an_error_in_the_barometer_aside_is_the_serial_one_line_error(demo_copy: Path, monkeypatch):
    wave = next((demo_copy / "data" / "raw" / "barometre").glob("barometre_*.csv"))
    wave.write_bytes(b"\x00\x01 not a csv \xff" * 10)
    monkeypatch.setattr(aside_module, "MIN_BYTES", 2**40)
    with pytest.raises(EcoEvalError) as serial:
        ingest(load_project(demo_copy), force=True)
    monkeypatch.setattr(aside_module, "MIN_BYTES", 0)
    before = load_project(demo_copy).store_path.read_bytes()
    with pytest.raises(EcoEvalError) as aside:
        ingest(load_project(demo_copy), force=True)
    assert type(aside.value) is type(serial.value) and str(aside.value) == str(serial.value)
    assert "\n" not in str(aside.value) and wave.name in str(aside.value)
    assert load_project(demo_copy).store_path.read_bytes() == before
    assert not list((demo_copy / "data" / "processed").glob(".*.part*"))


def _parse_scale_row_by_row(values, scale, numeric):
    """The rule of ``parse_scale`` applied cell by cell (the reference for its distinct-value
    path): strip; empty is missing; a label (case, accents, spacing ignored) gives its code; a
    number passes on a numeric scale; anything else is unparseable."""
    from eco_eval.ingest.mapping import _norm

    lookup = {_norm(k): v for k, v in scale.items()}
    parsed, bad = [], []
    for v in values:
        text = None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
        if not text:
            parsed.append(None)
            bad.append(False)
        elif _norm(text) in lookup:
            parsed.append(lookup[_norm(text)])
            bad.append(False)
        elif numeric and text.replace(",", ".").replace(".", "", 1).lstrip("-").isdigit():
            parsed.append(float(text.replace(",", ".")))
            bad.append(False)
        else:
            parsed.append(None)
            bad.append(True)
    return parsed, bad


@pytest.mark.parametrize("numeric", [True, False])
@pytest.mark.parametrize("dtype", [object, "str", "category"])
def test_parse_scale_on_distinct_values_matches_the_cell_by_cell_rule(numeric, dtype):
    from eco_eval.ingest.mapping import parse_scale

    scale = {"Jamais": 1, "Rarement": 2, "Parfois": 3, "Souvent": 4, "Très souvent": 5}
    pool = [
        "Jamais", " jamais ", "RAREMENT", "Parfois", "tres  souvent", "Très souvent", "4",
        "2,5", "-1", "7", "", "   ", None, "n/a", "souvent!", "Souvent",
    ]  # fmt: skip
    rng = np.random.default_rng(3)
    values = pd.Series([pool[i] for i in rng.integers(0, len(pool), 2_000)], dtype=dtype)
    parsed, bad = parse_scale(values, scale, numeric=numeric)
    ref_parsed, ref_bad = _parse_scale_row_by_row(values.astype(object), scale, numeric)
    assert bad.tolist() == ref_bad
    got = [None if pd.isna(v) else v for v in parsed]
    assert got == [None if v is None else (float(v) if numeric else v) for v in ref_parsed]
    assert (parsed.dtype == float) is numeric


@pytest.mark.parametrize("dtype", [object, "str", "category"])
def test_text_codes_are_gathered_into_arrow_strings_with_the_cell_by_cell_values(dtype):
    """A scale of text codes (gender, category) gives an Arrow string column, missing as NaN,
    with the values of the cell-by-cell rule; codes that are not all text stay objects."""
    from eco_eval.ingest.mapping import parse_scale

    scale = {"Femme": "F", "F": "F", "Homme": "M", "H": "M", "M": "M"}
    pool = ["Femme", " femme", "HOMME", "h", "F", "", None, "autre", "M "]
    rng = np.random.default_rng(4)
    values = pd.Series([pool[i] for i in rng.integers(0, len(pool), 3_000)], dtype=dtype)
    parsed, bad = parse_scale(values, scale, numeric=False)
    ref_parsed, ref_bad = _parse_scale_row_by_row(values.astype(object), scale, False)
    assert parsed.dtype == pd.StringDtype("pyarrow", na_value=np.nan)
    assert [None if pd.isna(v) else v for v in parsed] == ref_parsed
    assert bad.tolist() == ref_bad and parsed.index.equals(values.index)
    mixed, _ = parse_scale(values, {**scale, "Femme": 1}, numeric=False)
    assert mixed.dtype == object


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(
            pd.Categorical(["Souvent", None, "Jamais", "Souvent", " x "]), index=[5, 6, 7, 8, 9]
        ),
        pd.Series(pd.Categorical([1, None, 2])),
        pd.Series(pd.Categorical([None, None], categories=["a"])),
        pd.Series(["a", None, " b"], dtype=object),
    ],
)
def test_as_text_equals_astype_string(values):
    """The codebook's categoricals are decoded by Arrow: the same text, missing values and
    index as pandas' ``astype("string")``."""
    from eco_eval.ingest.mapping import as_text

    got, expected = as_text(values), values.astype("string")
    assert got.dtype == expected.dtype
    pd.testing.assert_series_equal(got, expected)


def test_the_aside_child_does_not_rerun_a_script_without_a_main_guard(demo_copy: Path):
    """A spawned ``multiprocessing`` child re-imports the caller's script; the aside child is a
    fresh ``python -m``, so a script that calls the ingest at top level runs it once."""
    import subprocess
    import sys

    script = demo_copy / "nightly.py"
    script.write_text(
        "import eco_eval.ingest.aside as aside_module\n"
        "from eco_eval.pipeline import run_ingest\n"
        "aside_module.MIN_BYTES = 0\n"
        f"run_ingest({str(demo_copy)!r}, force=True)\n"
        "print('ingested once')\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("ingested once") == 1


def test_quarantine_json_built_by_column_matches_the_row_by_row_rule():
    """Identifiers pseudonymised (null when nothing is left of them), text cut at 2,000
    characters, missing values null, the columns in the file's order."""
    from eco_eval.pseudonymise import pseudonym

    rng = np.random.default_rng(5)
    n = 400
    raw = pd.DataFrame(
        {
            "Matricule": rng.choice(["M00001", " m00001", "M00002", "  ", None], n),
            "Nom": rng.choice(["Durand", "Élodie Martin", None, "x" * 2500], n),
            "Note": rng.choice(["4", "", None, 'dit "bien"\n'], n),
        }
    )
    key = b"k" * 32
    got = [json.loads(j) for j in raw_json(raw, ["Matricule"], key)]
    for row, out in zip(raw.to_dict(orient="records"), got, strict=True):
        assert list(out) == ["Matricule", "Nom", "Note"]
        m = row["Matricule"]
        p = None if pd.isna(m) else pseudonym(key, m, kind="quarantine")
        assert out["Matricule"] == (None if p is None else f"pseudo:{p}")
        for col in ("Nom", "Note"):
            assert out[col] == (None if pd.isna(row[col]) else str(row[col])[:2000])


def test_an_error_in_the_parent_stops_the_aside_child_and_its_copy(demo_copy: Path, monkeypatch):
    """The parent fails on an attendance list while the child ingests the barometer and a
    thread waits to copy its rows: no process, thread or scratch file is left, and the store
    is the one before."""
    import multiprocessing
    import threading

    monkeypatch.setattr(aside_module, "MIN_BYTES", 0)
    listing = next((demo_copy / "data" / "raw" / "presences").glob("*.csv"))
    listing.write_bytes(b"\x00\x01 not a csv \xff" * 10)
    before = load_project(demo_copy).store_path.read_bytes()
    threads = threading.active_count()
    with pytest.raises(EcoEvalError, match=listing.name):
        ingest(load_project(demo_copy), force=True)
    assert threading.active_count() == threads
    assert not multiprocessing.active_children() and not _aside_children()
    assert load_project(demo_copy).store_path.read_bytes() == before
    assert not list((demo_copy / "data" / "processed").glob(".*.part*"))


def _aside_children() -> list[int]:
    """Processes of this one still running the aside ingest (Linux: from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and b"eco_eval.ingest.aside" in cmdline:
            found.append(int(stat.parent.name))
    return found
