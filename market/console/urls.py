"""Routes of the bureau's console, included from market/urls.py."""

from django.urls import path

from .views import approvals, audit, exports, imports

urlpatterns = [
    path("district/<str:code>/audit/", audit.audit_trail, name="console_audit"),
    path("district/<str:code>/approvals/", approvals.approvals_inbox, name="console_approvals"),
    path("district/<str:code>/import/", imports.import_home, name="console_import"),
    path(
        "district/<str:code>/import/template.<slug:kind>",
        imports.import_template,
        name="console_import_template",
    ),
    path(
        "district/<str:code>/import/<int:pk>/",
        imports.import_batch,
        name="console_import_batch",
    ),
    path(
        "district/<str:code>/import/<int:pk>/progress/",
        imports.import_progress,
        name="console_import_progress",
    ),
    path(
        "district/<str:code>/import/<int:pk>/confirm/",
        imports.import_confirm,
        name="console_import_confirm",
    ),
    path("district/<str:code>/export/", exports.export_list, name="console_exports"),
    path(
        "district/<str:code>/export/<slug:name>.<slug:kind>",
        exports.export_download,
        name="console_export",
    ),
]
