from django.contrib import admin
from django.urls import include, path

from openness import views

admin.site.site_header = "Openness Index administration"
admin.site.site_title = "Openness Index admin"

urlpatterns = [
    path("", include("web.urls")),
    path("api/", include("web.api.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]
