from django.urls import path

from . import views

urlpatterns = [
    path("invoices/<int:pk>/pay/", views.invoice_pay, name="invoice_pay"),
    path("invoices/<int:pk>/pay/confirm/", views.invoice_pay_confirm, name="invoice_pay_confirm"),
    path("invoices/<int:pk>/status/", views.invoice_status, name="invoice_status"),
    path("engagements/<int:pk>/invoices/", views.engagement_statement, name="engagement_statement"),
    path("district/<str:code>/arrears/", views.district_arrears, name="district_arrears"),
    path("payments/stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
