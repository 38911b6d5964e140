"""The release: a period's anonymised, suppression-logged figures, computed once and saved.

::

    from eco_eval.config import load_project
    from eco_eval.periods import parse_period
    from eco_eval.release.build import build_release
    from eco_eval.release.files import load_release, save_release

    project = load_project(".")
    release, log = build_release(project, parse_period("2017-Q4", launch=project.ecosystem().launch))
    save_release(release, "data/processed/releases/2017-Q4")
    same = load_release("data/processed/releases/2017-Q4")

The bilan (:meth:`eco_eval.bilan.Bilan.from_release`), the lever deep dives, the key figures and
the exports read a release; only the release reads the store. Import from the modules (the
package loads none of them): a reader of a release does not load the statistics that build one.
"""
