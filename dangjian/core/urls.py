from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]

# Working-day calendar (calendar_views.py)
from . import calendar_views  # noqa: E402

urlpatterns += [
    path("calendar/", calendar_views.calendar_index, name="calendar"),
    path("calendar/year/", calendar_views.calendar_year_save, name="calendar_year_save"),
    path("calendar/<int:year>/", calendar_views.calendar_year, name="calendar_year"),
    path("calendar/<int:year>/day/", calendar_views.calendar_day_save, name="calendar_day_save"),
    path("calendar/<int:year>/day/delete/", calendar_views.calendar_day_remove, name="calendar_day_remove"),
]
