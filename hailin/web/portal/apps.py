from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "hailin.web.portal"
    label = "portal"
    verbose_name = "hailin"

    def ready(self):
        from hailin.web.portal import audit  # noqa: F401  (login signals)
