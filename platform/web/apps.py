from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "web"
    verbose_name = _("网页界面")

    def ready(self):
        # The Django admin is for platform staff: name it in Chinese (Django's own admin strings follow
        # LANGUAGE_CODE zh-hans). Imported here: the admin package loads models, so not before the app registry is ready.
        from django.contrib import admin

        admin.site.site_header = _("工会云平台管理")
        admin.site.site_title = _("工会云平台管理")
        admin.site.index_title = _("平台数据管理")
        admin.site.site_url = "/"
