"""The admin app with the project's site (``corrections.staffauth.StaffAdminSite``) as ``admin.site``.

Its own module: INSTALLED_APPS imports it before the app registry is ready.
"""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "corrections.staffauth.StaffAdminSite"
