from django.apps import AppConfig


class PagesConfig(AppConfig):
    """Pages that combine several apps (home, lot page, dashboard, verification...).

    It stands above licensing, so deposits, bidders and core never need to import upward
    to show a page that draws on them all.
    """

    name = "pages"
    verbose_name = "Nedra pages"
