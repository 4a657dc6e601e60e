from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project as an app without models: it only registers the configuration's system
    checks (``portal/checks.py``), so that they run wherever Django runs its own."""

    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from portal import checks  # noqa: F401  (registers the checks)
