"""The public scorecard as an HTML page (`templates/dashboard.html`), in Vietnamese or English."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.reporting.messages import DASHBOARD
from services.reporting.schemas import KpiReport
from shared import formats

PERCENT_FIGURES = {"effective_share", "member_income_growth", "contract_share", "traced_sales_share"}

_templates = formats.install(
    Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=select_autoescape(["html"])),
    language_variable="language",
)
# What a reader writes for a target's comparison, not what a programmer does.
COMPARISONS = {">=": "≥", ">": ">"}


def render(report: KpiReport, language: str) -> str:
    """The page of `report` in `language` ("vi" or "en"), with a link to the other one."""
    return _templates.get_template("dashboard.html").render(
        report=report,
        t=DASHBOARD[language],
        language=language,
        percent=PERCENT_FIGURES,
        comparisons=COMPARISONS,
        other=("en" if language == "vi" else "vi"),
    )
