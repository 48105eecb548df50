"""Joint meetings (联席会议, 会办会) and batches handed down (交办积案): the staff pages."""

from django.urls import path

from xinfang.casework import views, views_batches

app_name = "casework"
urlpatterns = [
    path("", views.meeting_list, name="meetings"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("bodies/", views.body_list, name="bodies"),
    path("bodies/<int:pk>/", views.body_detail, name="body"),
    path("matters/lookup/", views.matter_lookup, name="matter_lookup"),
    path("batches/", views_batches.batch_list, name="batches"),
    path("batches/<int:pk>/", views_batches.batch_detail, name="batch"),
    path("batches/<int:pk>/resolve/", views_batches.item_resolve, name="item_resolve"),
    path("batches/<int:pk>/verify/", views_batches.item_verify, name="item_verify"),
]
