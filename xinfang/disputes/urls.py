"""Dispute work for the staff: the ledger (台账), a dispute's page and steps, 专项排查, months."""

from django.urls import include, path

from xinfang.disputes import views, views_month

app_name = "disputes"
urlpatterns = [
    path("", views.dispute_list, name="list"),
    path("new/", views.dispute_new, name="new"),
    path("<int:pk>/", views.dispute_detail, name="detail"),
    path("<int:pk>/rescreen/", views.dispute_rescreen, name="rescreen"),
    path("<int:pk>/act/<str:step>/", views.dispute_step, name="step"),
    path("mediations/<int:pk>/<str:step>/", views.mediation_step, name="mediation_step"),
    path("campaigns/", views_month.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", views_month.campaign_detail, name="campaign"),
    path("month/", views_month.month_page, name="month"),
    path("month/submit/", views_month.month_submit, name="month_submit"),
    path("reports/", views_month.report_list, name="reports"),
    path("reports/<int:pk>/", views_month.report_detail, name="report"),
    path("reports/<int:pk>/feedback/<int:dispute>/", views_month.feedback, name="feedback"),
    # the 调解协议书 and the month's 通报 (disputes:agreement, disputes:circular)
    path("", include("xinfang.disputes.urls_documents")),
]
