from django.urls import path

from . import views

# The home page (`core:home`, at "") is the site layer's (dangjian/site/views.py); dangjian/urls.py
# adds it to this namespace, since core imports no domain app.
app_name = "core"
urlpatterns = [
    path("more/", views.more, name="more"),
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
