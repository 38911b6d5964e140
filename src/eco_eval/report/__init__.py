"""The report layer: from tidy indicator frames to the published bilan (HTML and PDF).

One job per module, so that a notebook cell or the CLI imports only what it needs:

- :mod:`eco_eval.report.runner` executes a parameterised notebook with papermill;
- :mod:`eco_eval.report.kernel_environment` sets the kernels' numerical libraries to one thread;
- :mod:`eco_eval.report.html` turns the executed notebook into one self-contained HTML page;
- :mod:`eco_eval.report.pdf` prints that page to PDF with headless Chromium;
- :mod:`eco_eval.report.figures` draws plotly figures from the tidy frame, ``show(fig)`` puts one
  in the notebook;
- :mod:`eco_eval.report.tables` renders a small frame as an escaped, formatted HTML table;
- :mod:`eco_eval.report.i18n` holds the report's labels (``Labels("fr")``);
- :mod:`eco_eval.report.fmt` formats numbers, percentages, dates, periods and suppressed values;
- :mod:`eco_eval.report.theme` reads the theme (colours, fonts, page) from ``_data/report``.

Nothing is imported here: ``import eco_eval.report`` stays cheap.
"""
