from django.urls import URLPattern, URLResolver

app_name = "assignments"
urlpatterns: list[URLPattern | URLResolver] = []
