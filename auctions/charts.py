"""Results charts: horizontal bars drawn on the server as SVG and inlined in the page.

Nothing is fetched from elsewhere (pygal would load its tooltip script from the internet),
and every chart stands beside a table of the same figures for readers who cannot see it.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.etree.ElementTree import Element

import pygal
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

from auctions.selectors import Breakdown

# The site palette (static/css/nedra.css): awarded reads as --ok, failed as --bad.
INK = "#1b2430"
MUTED = "#5a6573"
LINE = "#d9dee5"
AWARDED = "#1d6b3a"
FAILED = "#9b1c1c"
BONUS = "#0b5c8a"
# The page's own font stack, with CJK faces named so Chinese labels find a glyph.
FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", '
    '"PingFang SC", "Microsoft YaHei", sans-serif'
)
# Drawn at the size a desktop column shows it; a phone scales it down.
WIDTH = 440
ROW_HEIGHT = 36
MARGINS_HEIGHT = 60
MILLION = Decimal(1_000_000)
BILLION = Decimal(1_000_000_000)


@dataclass(frozen=True)
class BreakdownFigure:
    """A breakdown's two charts (lots by outcome, bonuses raised) and its rows for the table."""

    rows: Sequence[Breakdown]
    lots_chart: SafeString
    bonus_chart: SafeString
    bonus_unit: str


def mineral_group_figure(rows: Sequence[Breakdown]) -> BreakdownFigure | None:
    """Draw the breakdown by mineral group; None when no lot has finished."""
    if not rows:
        return None
    scale, unit = _bonus_scale(rows)
    return BreakdownFigure(
        rows=rows,
        lots_chart=lots_chart(
            rows, name=_("Lots awarded and failed or cancelled, by mineral group")
        ),
        bonus_chart=bonus_chart(
            rows,
            scale=scale,
            name=_("Signature bonuses raised, by mineral group, in %(unit)s") % {"unit": unit},
        ),
        bonus_unit=unit,
    )


def region_figure(rows: Sequence[Breakdown]) -> BreakdownFigure | None:
    """Draw the breakdown by region; None when no lot has finished."""
    if not rows:
        return None
    scale, unit = _bonus_scale(rows)
    return BreakdownFigure(
        rows=rows,
        lots_chart=lots_chart(rows, name=_("Lots awarded and failed or cancelled, by region")),
        bonus_chart=bonus_chart(
            rows,
            scale=scale,
            name=_("Signature bonuses raised, by region, in %(unit)s") % {"unit": unit},
        ),
        bonus_unit=unit,
    )


def lots_chart(rows: Sequence[Breakdown], *, name: str) -> SafeString:
    """Draw each row's awarded and failed lots as one stacked horizontal bar; the page gives
    the legend, whose words pygal would cut short."""
    most = max(row.lots_awarded + row.lots_failed for row in rows)
    chart = pygal.HorizontalStackedBar(
        _config(rows, name=name, colors=(AWARDED, FAILED)),
        # Whole lots only: never a tick at 2.5 lots.
        y_labels=_ticks(most, whole=True),
        value_formatter=_count,
    )
    chart.add(_("Awarded"), [row.lots_awarded for row in _top_down(rows)])
    chart.add(_("Failed or cancelled"), [row.lots_failed for row in _top_down(rows)])
    return _render(chart, name=name)


def bonus_chart(rows: Sequence[Breakdown], *, scale: Decimal, name: str) -> SafeString:
    """Draw each row's signature bonuses raised as a horizontal bar, in units of `scale` KZT."""
    # pygal draws with floats; the exact Decimal amounts are in the table beside the chart.
    amounts = [float(row.bonus_kzt / scale) for row in _top_down(rows)]
    chart = pygal.HorizontalBar(
        _config(rows, name=name, colors=(BONUS,)),
        y_labels=_ticks(max(amounts)),
        value_formatter=_scaled,
    )
    chart.add(_("Signature bonuses"), amounts)
    return _render(chart, name=name)


def _bonus_scale(rows: Sequence[Breakdown]) -> tuple[Decimal, str]:
    """Return the unit that keeps the axis labels short: billions or millions of tenge."""
    if max(row.bonus_kzt for row in rows) >= BILLION:
        return BILLION, _("billions of KZT")
    return MILLION, _("millions of KZT")


def _top_down(rows: Sequence[Breakdown]) -> list[Breakdown]:
    # pygal stacks a horizontal chart's categories from the bottom: reverse them so the
    # first row (the largest) is on top, as in the table.
    return list(reversed(rows))


def _config(rows: Sequence[Breakdown], *, name: str, colors: tuple[str, ...]) -> pygal.Config:
    config = pygal.Config()
    config.js = []  # pygal's default loads tooltips from the internet
    config.disable_xml_declaration = True  # inlined in HTML, not a standalone file
    config.style = Style(
        background="transparent",
        plot_background="transparent",
        foreground=INK,
        foreground_strong=INK,
        foreground_subtle=MUTED,
        guide_stroke_color=LINE,
        major_guide_stroke_color=LINE,
        colors=colors,
        font_family=FONT_FAMILY,
        label_font_size=15,
        major_label_font_size=15,
        legend_font_size=15,
        value_font_size=14,
        tooltip_font_size=12,
        opacity="1",
        opacity_hover="1",
        transition="0s",
    )
    config.width = WIDTH
    config.height = MARGINS_HEIGHT + ROW_HEIGHT * len(rows)
    config.x_labels = [row.label for row in _top_down(rows)]
    config.truncate_label = -1
    config.truncate_legend = -1
    config.print_values = False
    config.show_legend = False
    config.show_x_guides = False
    config.show_y_guides = True
    config.margin = 8
    config.margin_right = 28  # room for the last axis label
    config.spacing = 8
    config.zero = 0
    config.include_x_axis = True
    return config


def _accessible(name: str) -> Callable[[Element], Element]:
    """Return an SVG filter that names the chart for screen readers and removes what must not
    be in the page: pygal's comments (its web address), its configuration script, and the
    hover tooltip only that script would show (hidden by a style attribute, which the
    Content-Security-Policy refuses)."""

    def filter_svg(root: Element) -> Element:
        root.set("role", "img")
        root.set("aria-label", name)
        root.set("class", f"{root.get('class', '')} results-chart-svg".strip())
        # A list first: pygal builds the tree with lxml when it is installed (pyHanko
        # brings it), and lxml stops iterating a tree changed under it.
        for parent in list(root.iter()):
            for child in list(parent):
                # A comment's or processing instruction's tag is a factory, not a name.
                if (
                    callable(child.tag)
                    or child.tag == "script"
                    or "tooltip" in child.get("class", "").split()
                ):
                    parent.remove(child)
                elif child.tag == "title":
                    child.text = name
        return root

    return filter_svg


def _render(chart: pygal.graph.graph.Graph, *, name: str) -> SafeString:
    chart.add_xml_filter(_accessible(name))
    # pygal writes the SVG from its own element tree, escaping every label it was given.
    return mark_safe(chart.render(is_unicode=True))  # noqa: S308


def _ticks(largest: float, *, whole: bool = False) -> list[float]:
    """Return at most five round ticks (steps of 1, 2 or 5 times a power of ten) from zero
    past `largest`, so a phone-wide axis keeps its labels apart."""
    if largest <= 0:
        return [0, 1]
    step = 10 ** math.floor(math.log10(largest / 4))
    for factor in (1, 2, 5, 10):
        if largest / (step * factor) <= 4:
            step *= factor
            break
    if whole:
        step = max(1, round(step))
    return [round(step * index, 10) for index in range(math.ceil(largest / step) + 1)]


def _count(value: float) -> str:
    return str(int(value))


def _scaled(value: float) -> str:
    whole = value == round(value)
    return formats.number_format(value, decimal_pos=0 if whole else 1, force_grouping=True)
