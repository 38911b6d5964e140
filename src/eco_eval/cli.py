"""The ``eco-eval`` command: a thin layer over the library.

The library's layers (pandas, DuckDB, Great Expectations, papermill behind them) are imported
inside the commands that use them — the one place eco_eval imports inside functions — so that
``eco-eval --help`` answers at once. Errors of the library (:class:`EcoEvalError`) become one line
on stderr and a documented exit code; anything else is a bug and says so.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from eco_eval.errors import EXIT_CODES, ConfigError, EcoEvalError, SourceQuarantined, write_failed

log = logging.getLogger("eco_eval")

# jsonschema, which nbformat imports to validate notebooks, compiles the 38 grammars of
# rfc3987-syntax (about a second of start-up) for the "iri" string format when that package is
# installed (JupyterLab's jupyter-events brings it). No schema the command line validates uses that
# format — nbformat's notebook schema has none — so the command runs without it; the notebook
# kernels and JupyterLab, other processes, keep it.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

EPILOG = "Exit codes: " + "; ".join(f"{k} {v}" for k, v in EXIT_CODES.items()) + "."


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the current ``sys.stderr`` (which click's test runner swaps per invocation)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _setup_logging(quiet: bool, verbose: bool) -> None:
    """One stderr handler at the chosen level; log files (``run``) add their own handlers."""
    level = logging.WARNING if quiet else (logging.DEBUG if verbose else logging.INFO)
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, _StderrHandler)), None)
    if handler is None:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        root.addHandler(handler)
    handler.setLevel(level)  # the handler filters: records kept for a log file stay off stderr
    root.setLevel(level)
    for noisy in _NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.ERROR)
    if not any(isinstance(f, _QuietLibraries) for f in handler.filters):
        handler.addFilter(_QuietLibraries())


_NOISY_LOGGERS = (
    "great_expectations",
    "papermill",
    "traitlets",
    "asyncio",
    "urllib3",
    "blib2to3",
    "matplotlib",
    "pikepdf",  # "C++ to Python logger bridge initialized" on import
)


class _QuietLibraries(logging.Filter):
    """Keeps the libraries' records below ERROR off stderr, also from their modules' loggers
    that set a level of their own (Great Expectations' "Created temporary directory ...")."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or not record.name.startswith(_NOISY_LOGGERS)


class Stopped(BaseException):
    """SIGTERM, raised where the command is: like Ctrl-C's KeyboardInterrupt, it passes the
    library's ``except Exception`` and runs every ``finally`` on its way out (temporary files,
    Chromium and kernel processes), where Python's default for SIGTERM exits at once."""


def _stop(signum: int, frame: Any) -> None:
    raise Stopped


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        # Python sets handlers on the main thread only; elsewhere the command keeps the one it has
        on_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _stop) if on_main else None
        try:
            return super().invoke(ctx)
        except EcoEvalError as exc:
            click.echo(f"eco-eval: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("eco-eval: interrupted", err=True)
            sys.exit(130)
        except Stopped:
            click.echo("eco-eval: stopped (SIGTERM)", err=True)
            sys.exit(143)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except OSError as exc:
            failure = write_failed(exc)
            if failure is None:
                self._bug(exc)
                raise  # not reached: _bug exits
            click.echo(f"eco-eval: error: {failure}", err=True)
            sys.exit(failure.exit_code)
        except Exception as exc:  # a bug: one line for the user, the traceback in the debug log
            self._bug(exc)
        finally:
            if on_main:  # None: a handler not set from Python, which Python cannot restore
                signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)

    @staticmethod
    def _bug(exc: Exception) -> None:
        """One line for the user, the traceback in the debug log; exits with code 1."""
        log.debug("unexpected error", exc_info=True)
        click.echo(
            f"eco-eval: internal error: {type(exc).__name__}: {exc} (a bug; rerun with -v for details and report it)",
            err=True,
        )
        sys.exit(1)


project_option = click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project folder (holds eco_eval.yaml, data/, reports/).",
)
period_option = click.option(
    "--period",
    default="latest",
    show_default=True,
    help="latest (the latest quarter with a held session), 2016-Q2, 2016-S1, 2016, "
    "2015-06-01..2016-06-30, cumul:2016-Q2 or last-quarter (the calendar's).",
)


@click.group(cls=_Group, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors (for schedulers).")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
@click.version_option(package_name="eco-eval")
def main(quiet: bool, verbose: bool) -> None:
    """eco_eval: measure the impact of an organisational innovation programme."""
    _setup_logging(quiet, verbose)


@main.command()
@project_option
@click.option(
    "--city",
    type=click.Choice(["demo", "valbrune"]),
    default="demo",
    show_default=True,
    help="Which fictional city: the demo city, or Valbrune (the second city, other export shapes).",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Random seed (same seed, same files). Default 42 (demo), 8 (valbrune).",
)
@click.option(
    "--staff",
    "n_staff",
    type=int,
    default=None,
    help="Number of staff of the fictional city. Default 2400 (demo), 900 (valbrune).",
)
def demo(project_dir: Path, city: str, seed: int | None, n_staff: int | None) -> None:
    """Write a fictional city's raw files (and its eco_eval.yaml) into the project."""
    from eco_eval.projects import create_demo_project, create_second_city_project

    given = {k: v for k, v in {"seed": seed, "n_staff": n_staff}.items() if v is not None}
    if city == "valbrune":
        summary = create_second_city_project(project_dir, **given)
    else:
        summary = create_demo_project(project_dir, **given)
    click.echo(summary)


@main.command()
@project_option
@click.option("--force", is_flag=True, help="Re-read every file even if none changed.")
def ingest(project_dir: Path, force: bool) -> None:
    """Read data/raw, validate, pseudonymise and load the store (one transaction)."""
    from eco_eval.pipeline import run_ingest

    outcome = run_ingest(project_dir, force=force)
    click.echo(outcome.summary_text())  # with a warning line per source mostly quarantined
    empty = outcome.entirely_quarantined
    if empty:
        raise SourceQuarantined(
            f"no row accepted from {', '.join(empty)} (every row read was quarantined); the "
            f"store is written: see {outcome.page_label} for the reasons, fix the files or "
            "the columns in eco_eval.yaml, then run 'eco-eval ingest' again"
        )


@main.command()
@project_option
@period_option
@click.option(
    "--by",
    default=None,
    help="Breakdown dimensions, comma-separated (default: report.breakdowns of eco_eval.yaml, "
    "else every breakdown present in both the headcount and the attendance).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write CSV or Parquet (by extension) instead of printing.",
)
def indicators(project_dir: Path, period: str, by: str | None, out: Path | None) -> None:
    """Compute the indicators of a period (anonymised) and print or export them."""
    from eco_eval.exports import compute_indicators

    dims = None if by is None else tuple(b.strip() for b in by.split(",") if b.strip())
    frame = compute_indicators(project_dir, period, by=dims)
    if out is None:
        shown = frame[(frame["dimension"] == "*") & (frame["lever"] == "*")]
        click.echo(
            shown[["indicator", "value", "n", "ci_low", "ci_high", "suppressed"]].to_string(
                index=False
            )
        )
        return
    from eco_eval.exports import export_frame

    export_frame(frame, out)
    click.echo(f"{len(frame)} rows written to {out}")


def _wellbeing_table_command(table: str, help_text: str) -> None:
    """``eco-eval impact|reliability|wellbeing``: one of the bilan's tables, printed or exported."""

    @main.command(name=table, help=help_text)
    @project_option
    @period_option
    @click.option(
        "--out",
        "out",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write CSV or Parquet (by extension) instead of printing.",
    )
    def command(project_dir: Path, period: str, out: Path | None) -> None:
        from eco_eval.exports import check_export_path, compute_wellbeing_table, export_frame

        if out is not None:
            check_export_path(out)
        frame = compute_wellbeing_table(project_dir, period, table)
        if out is None:
            click.echo(frame.to_string(index=False) if len(frame) else f"{table}: no rows")
            return
        export_frame(frame, out)
        click.echo(f"{len(frame)} rows written to {out}")


_wellbeing_table_command(
    "impact",
    "The bilan's per-lever impact estimates of a period (anonymised): lever, outcome, estimate, "
    "interval, p, FDR-adjusted p, participants, design and level of evidence, effect size.",
)
_wellbeing_table_command(
    "reliability",
    "Reliability of every scale at every barometer wave up to a period, as the bilan computes it.",
)
_wellbeing_table_command(
    "wellbeing",
    "Well-being and climate levels per barometer wave up to a period, anonymised as the bilan.",
)


@main.command()
@project_option
@click.option("--json", "as_json", is_flag=True, help="JSON output for scripts.")
def doctor(project_dir: Path, as_json: bool) -> None:
    """Which bilan sections and indicators the data supports, which not, why, and the fix.

    Reads the configuration and the store (before the first ingest: the raw files' headers).
    Exit code 0 whenever the diagnosis ran, whatever it found."""

    from eco_eval.projects import run_doctor

    result = run_doctor(project_dir)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        from eco_eval.doctor import render

        click.echo(render(result))


@main.command()
@project_option
@period_option
@click.option(
    "--lang",
    type=click.Choice(["fr", "en"]),
    default=None,
    help="Report language (default: the project's).",
)
@click.option(
    "--pdf/--no-pdf",
    default=True,
    show_default=True,
    help="Also print the bilan to PDF with headless Chromium.",
)
@click.option(
    "--force", is_flag=True, help="Rebuild even if inputs, parameters and code are unchanged."
)
def bilan(project_dir: Path, period: str, lang: str | None, pdf: bool, force: bool) -> None:
    """Execute notebooks/bilan.ipynb for a period and publish reports/<period>/bilan.html."""
    from eco_eval.report.kernels import EarlyKernel

    # the notebook's kernel boots on the other core while this process loads the rest
    with EarlyKernel(project_dir) as kernel:
        from eco_eval.pipeline import build_bilan

        result = build_bilan(project_dir, period, lang=lang, pdf=pdf, force=force, kernel=kernel)
    click.echo(f"bilan: {result}")


@main.command()
@project_option
@period_option
@click.option(
    "--lang",
    type=click.Choice(["fr", "en"]),
    default=None,
    help="Report language (default: the project's).",
)
@click.option(
    "--pdf/--no-pdf", default=True, show_default=True, help="Also print the bilan to PDF."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the machine-readable summary on stdout (also when the run fails).",
)
@click.option(
    "-q",
    "--quiet",
    "quiet_run",
    is_flag=True,
    help="For schedulers: no progress bars, only warnings and errors, nothing on success.",
)
@click.option("--force", is_flag=True, help="Rebuild every part even if nothing changed.")
def run(
    project_dir: Path,
    period: str,
    lang: str | None,
    pdf: bool,
    as_json: bool,
    quiet_run: bool,
    force: bool,
) -> None:
    """Ingest new raw files, then publish the period: bilan, lever deep dives, open data, index.

    Idempotent (a run with nothing new changes nothing but its log), atomic (the period folder is
    built aside and renamed into place), locked (a second run exits with code 7). Logs and the
    JSON summary go to reports/logs/. Exit code 0 only if every step succeeded.
    """

    from eco_eval.report.kernels import EarlyKernel

    # the bilan's kernel boots on the other core while this process loads the rest and ingests
    with EarlyKernel(project_dir) as kernel:
        from eco_eval.pipeline import run_all

        quiet = quiet_run or bool(click.get_current_context().find_root().params.get("quiet"))
        if quiet_run:
            _setup_logging(True, False)
        bars: Any = None
        if not quiet and sys.stderr.isatty():
            from eco_eval.publish.progress import RichProgress

            bars = RichProgress()
        try:
            with bars if bars is not None else contextlib.nullcontext():
                summary = run_all(
                    project_dir, period, lang=lang, pdf=pdf, progress=bars, force=force,
                    kernel=kernel,
                )  # fmt: skip
        except Exception as exc:  # the scheduler gets its JSON whatever the failure
            failed = getattr(exc, "summary", None)
            if as_json and isinstance(failed, dict):
                click.echo(json.dumps(failed, ensure_ascii=False, indent=2))
            raise
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    elif not quiet:
        click.echo(summary["message"])


@main.command(context_settings={"ignore_unknown_options": True})
@project_option
@click.option("--ip", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=None, help="Port (default: Jupyter's, 8888 or next).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@click.argument("jupyter_args", nargs=-1, type=click.UNPROCESSED)
def lab(
    project_dir: Path, ip: str, port: int | None, no_browser: bool, jupyter_args: tuple[str, ...]
) -> None:
    """Start JupyterLab on the project's notebooks/ with the eco-eval kernel.

    Kernels start in the project folder, so notebooks open data/processed/... as the reports do.
    Other options (--ServerApp.token=..., --IdentityProvider.token=...) go to JupyterLab as given.
    """

    from eco_eval.lab import lab_command, redacted

    argv, env = lab_command(
        project_dir, ip=ip, port=port, no_browser=no_browser, extra=jupyter_args
    )
    log.info("starting JupyterLab: %s", redacted(argv[1:]))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)  # JupyterLab takes over this process (signals, Ctrl-C)


@main.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="JSON output for scripts.")
def inspect(files: tuple[Path, ...], as_json: bool) -> None:
    """Describe export files without touching the store (format, encoding, columns and roles)."""

    from eco_eval.readers.inspect import inspect_file, render_inspection

    results = [inspect_file(f) for f in files]
    if as_json:
        click.echo(
            json.dumps(
                results if len(results) > 1 else results[0],
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )
    else:
        for r in results:
            click.echo(render_inspection(r))


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="Ma collectivité", show_default=True, help="Organisation's name.")
@click.option("--siren", default="000000000", show_default=True, help="Organisation's SIREN.")
@click.option("--siret", default="00000000000000", show_default=True, help="Organisation's SIRET.")
@project_option
def kit(folder: Path, name: str, siren: str, siret: str, project_dir: Path) -> None:
    """Write the adoption kit into FOLDER: questionnaires (LimeSurvey .lss), templates (xlsx),
    ecosystem, licences and the matching eco_eval.yaml (the project's ecosystem, if any)."""
    from eco_eval.config import CONFIG_NAME, load_project
    from eco_eval.kit.write import write_kit

    ecosystem = None
    if (project_dir / CONFIG_NAME).is_file():
        ecosystem = dict(load_project(project_dir).ecosystem_override) or None
    result = write_kit(folder, name=name, siren=siren, siret=siret, ecosystem=ecosystem)
    click.echo(result.summary())


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("comparaison"),
    show_default=True,
    help="Where to write comparaison.html and comparaison.csv.",
)
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option(
    "--period",
    default=None,
    help="Period the page shows (default: the latest two cities published).",
)
@click.option(
    "--fictional",
    is_flag=True,
    help="First write the fictional cities' packages into FOLDER (to try the benchmark).",
)
def compare(folder: Path, out: Path, lang: str, period: str | None, fictional: bool) -> None:
    """Benchmark between cities from the open-data packages in FOLDER (one folder per package,
    read offline, each validated first): a page and a CSV setting each city against the median
    and interquartile range of the others."""
    from eco_eval.compare.run import run_compare

    if fictional:
        from eco_eval.compare.fictional import write_fictional_packages

        written = write_fictional_packages(folder)
        click.echo(f"{len(written)} fictional packages written to {folder}")
    click.echo(run_compare(folder, out, lang=lang, period=period).summary())


@main.group()
def key() -> None:
    """Manage the pseudonymisation key (kept outside the repository)."""


@key.command("create")
@click.option(
    "--file",
    "key_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write it (default: ~/.config/eco_eval/pseudonymisation.key).",
)
def key_create(key_file: Path | None) -> None:
    """Create a new random key with 0600 permissions (refuses to overwrite one)."""
    from eco_eval.pseudonymise import create_key, default_key_file

    path = key_file or default_key_file()
    if path.exists():
        raise ConfigError(
            f"{path} already exists; rotating the key gives everyone new pseudonyms: move the old file away first, then rebuild the store with 'eco-eval ingest --force'"
        )
    create_key(path)
    click.echo(f"key written to {path} (mode 600); back it up somewhere safe")


if __name__ == "__main__":  # pragma: no cover
    main()
