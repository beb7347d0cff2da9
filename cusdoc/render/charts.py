"""Charts of a bilan: engagement against réalisé over the years, one panel per territory, as
PNG (matplotlib) that pandoc puts in the DOCX and Typst in the PDF.

Numbers on the axes are written as the text writes them (Babel, French), in the fonts the PDF
uses; the bytes depend on the chart alone (no date, no software version in the file).
"""

import math
from io import BytesIO
from pathlib import Path
from textwrap import wrap

from cusdoc.model import Graphique
from cusdoc.render.formats import nombre

BLEU, BLEU_CLAIR, GRIS = "#1f3864", "#d9e2f3", "#7f7f7f"
WIDTH_CM, PANEL_CM, LEGEND_CM = 16.0, 5.2, 1.2
TITLE_CHARACTERS = 78  # a panel's title wraps at this many characters over the figure's width
COLUMNS = 3
DPI = 200
FONT = "Liberation Sans"


def png(graphique: Graphique, fonts: Path) -> bytes:
    """The chart's picture: a panel per territory, bars of the engagement and of the réalisé
    of each year, the reference as a dotted line."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    for path in sorted(fonts.glob("*.ttf")):
        font_manager.fontManager.addfont(str(path))
    count = len(graphique.panneaux)
    columns = min(COLUMNS, count)
    rows = math.ceil(count / columns)
    inch = 2.54
    figure = Figure(figsize=(WIDTH_CM / inch, (PANEL_CM * rows + LEGEND_CM) / inch), dpi=DPI)
    style = {"font.family": FONT, "font.size": 7.5, "axes.titlesize": 8}
    with matplotlib.rc_context(style):
        axes = figure.subplots(rows, columns, squeeze=False)
        years = graphique.annees
        axis = FuncFormatter(lambda value, _: _tick(value, graphique.unite))
        for panel, ax in zip(graphique.panneaux, axes.flat, strict=False):
            x = range(len(years))
            engagement = [panel.engagement.get(y) for y in years]
            realise = [panel.realise.get(y) for y in years]
            ax.bar([i - 0.2 for i in x], [v or 0 for v in engagement], 0.4, color=BLEU_CLAIR,
                   edgecolor=BLEU, linewidth=0.6, label="Engagement")  # fmt: skip
            shown = [(i, v) for i, v in zip(x, realise, strict=True) if v is not None]
            ax.bar([i + 0.2 for i, _ in shown], [v for _, v in shown], 0.4, color=BLEU,
                   label="Réalisé")  # fmt: skip
            if panel.reference is not None:
                ax.axhline(panel.reference, color=GRIS, linestyle=":", linewidth=1,
                           label=graphique.reference)  # fmt: skip
            ax.set_title("\n".join(wrap(panel.nom, TITLE_CHARACTERS // columns)), loc="left")
            ax.set_xticks(list(x), [str(y) for y in years], fontsize=6.5 if columns > 2 else 7.5)
            ax.yaxis.set_major_locator(MaxNLocator(5, integer=graphique.unite == "nombre"))
            ax.yaxis.set_major_formatter(axis)
            ax.spines[["top", "right"]].set_visible(False)
            ax.tick_params(length=2)
        for ax in list(axes.flat)[count:]:
            ax.set_visible(False)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        figure.legend(handles, labels, loc="upper center", ncols=len(labels), frameon=False)
        # Fixed margins (in cm, as fractions of the figure): laid out once, without the
        # measuring passes of tight_layout.
        height = PANEL_CM * rows + LEGEND_CM
        figure.subplots_adjust(
            left=1.3 / WIDTH_CM,
            right=1 - 0.2 / WIDTH_CM,
            bottom=0.6 / height,
            top=1 - LEGEND_CM / height - 0.5 / height,
            wspace=0.35,
            hspace=0.65,
        )
        buffer = BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _tick(value: float, unite: str) -> str:
    """An axis graduation in French: « 1 200 », « 25 % », « 1 200 € »."""
    text = nombre(value, 0 if float(value).is_integer() else 1)
    return {"pourcent": f"{text}\u00a0%", "euros": f"{text}\u00a0€"}.get(unite, text)
