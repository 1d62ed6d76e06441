"""The one page writer: self-contained HTML pages rendered from Jinja2 templates with autoescaping.

Every page drillsim writes for people to read offline (the study, the validation report) extends
``page.html`` (in ``drillsim/core/templates``): one document shell with a Content-Security-Policy that allows
no script, no request and no frame, only the page's own inline style and images inlined as data. Every value
put into a template is escaped unless it is marked safe; only figures drawn by drillsim itself
(:func:`drillsim.core.figures.figure_svg`) are marked safe, with :func:`trusted_svg`.

A package's templates live in its own ``templates`` folder and are named with the package, so a template
never shadows another package's: ``render_page("drillsim.study", "study.html", result=...)``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from drillsim.core.files import write_text_atomically

__all__ = ["render_page", "trusted_svg", "write_page"]


@cache
def _environment(package: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.PackageLoader(package, "templates"), jinja2.PackageLoader("drillsim.core", "templates")]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_page(package: str, template: str, **context: Any) -> str:
    """Render ``template`` from ``package``'s ``templates`` folder with ``context`` (values escaped)."""
    return _environment(package).get_template(template).render(**context)


def trusted_svg(svg: str) -> Markup:
    """Mark inline SVG that drillsim drew itself as safe to put into a page unescaped.

    Never call this on text read from a file or taken from a scenario: only on the output of
    :func:`drillsim.core.figures.figure_svg` for a figure built in this process.
    """
    return Markup(svg)


def write_page(path: str | Path, text: str) -> Path:
    """Write a page atomically (a temporary file, then a rename); returns its path."""
    out = Path(path)
    if out.parent != Path():
        out.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomically(out, text)
