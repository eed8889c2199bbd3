from django.urls import URLPattern, URLResolver

app_name = "orglife"
urlpatterns: list[URLPattern | URLResolver] = []
