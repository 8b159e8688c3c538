"""App configuration of ``certification``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self) -> None:
        from lms import navigation as nav
        from lms.dashboard import LEARNER_ROLES, Panel, register_panel
        from lms.roles import IFPC_STAFF_ROLES, Role

        from . import (
            checks,  # noqa: F401  (registers the deploy check of the signing keys)
            demo,
            permissions,  # noqa: F401  (registers the object rules)
        )
        from .handlers import ready as connect_rule_handlers

        # Domain events (activity completed, attendance recorded) and the
        # staff "Attestations" navigation item.
        connect_rule_handlers()
        nav.register(
            nav.NavItem("portfolio", _("Mon portfolio"), "certification:portfolio", 25)
        )
        register_panel(
            Panel(
                "my_portfolio",
                _("Mon portfolio"),
                "certification/portfolio/dashboard_panel.html",
                18,
                roles=LEARNER_ROLES,
            )
        )
        nav.register(
            nav.NavItem(
                "certification_deliveries",
                _("Livraisons Mon Espace"),
                "certification:deliveries",
                78,
                roles=frozenset(IFPC_STAFF_ROLES),
            )
        )
        demo.register()
        # >>> selftest-content (demo bank and blueprints)
        from .selftest import demo as selftest_demo

        selftest_demo.register()
        # <<< selftest-content
        # >>> selftest-taking (navigation, dashboard panel)
        nav.register(
            nav.NavItem(
                "selftest", _("Autotest numérique"), "certification:selftest_home", 27
            )
        )
        register_panel(
            Panel(
                "selftest",
                _("Autotest numérique"),
                "certification/selftest/dashboard_panel.html",
                19,
                roles=LEARNER_ROLES,
            )
        )
        nav.register(
            nav.NavItem(
                "selftest_campaigns",
                _("Campagnes d'autotest"),
                "certification:selftest_campaigns",
                28,
                roles=frozenset({*IFPC_STAFF_ROLES, Role.TUTOR, Role.SCHOOL_DIRECTOR}),
            )
        )
        nav.register(
            nav.NavItem(
                "selftest_calibration",
                _("Calibration de l'autotest"),
                "certification:selftest_calibration",
                79,
                roles=frozenset(IFPC_STAFF_ROLES),
            )
        )
        # <<< selftest-taking
