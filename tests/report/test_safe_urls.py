"""Links and sources in published pages are relative or https: a configuration or a text
cannot make a page run ``javascript:`` or leave for a plain-http or ``data:`` page."""

from __future__ import annotations

import pytest

from eco_eval.report.html import safe_urls


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "java&#9;script:alert(1)", " javascript:x",
     "http://exemple.fr", "data:text/html,<b>x</b>", "file:///etc/passwd", "vbscript:x"],
)  # fmt: skip
def test_other_schemes_become_a_dead_link(url: str) -> None:
    assert safe_urls(f'<p><a class="x" href="{url}">lien</a></p>') == (
        '<p><a class="x" href="#">lien</a></p>'
    )


@pytest.mark.parametrize(
    "tag",
    ['<a href="leviers/bien_etre.html">', '<a href="../bilan.html#synthese">', '<a href="#top">',
     "<a href='https://www.insee.fr/'>", '<img src="data:image/png;base64,iVBORw0KGgo=">',
     '<a href="bilan.pdf">'],
)  # fmt: skip
def test_relative_and_https_links_are_kept(tag: str) -> None:
    assert safe_urls(tag) == tag


def test_an_svg_image_in_data_is_not_an_image_source() -> None:
    assert safe_urls('<img src="data:image/svg+xml,<svg onload=alert(1)>">') == '<img src="#">'
