"""URLs of the portfolio part: the teacher's portfolio, its ZIP, share links and
the public shared portfolio."""

from django.urls import path

from ..views import portfolio

urlpatterns = [
    path("portfolio/", portfolio.portfolio, name="portfolio"),
    path("portfolio/zip/", portfolio.portfolio_zip, name="portfolio_zip"),
    path("portfolio/share-links/", portfolio.share_links, name="share_links"),
    path(
        "portfolio/share-links/<int:pk>/revoke/",
        portfolio.share_link_revoke,
        name="share_link_revoke",
    ),
    path(
        "shared-portfolios/<str:token>/",
        portfolio.shared_portfolio,
        name="shared_portfolio",
    ),
    path(
        "shared-portfolios/<str:token>/attestations/<uuid:uuid>.pdf",
        portfolio.shared_attestation_pdf,
        name="shared_attestation_pdf",
    ),
]
