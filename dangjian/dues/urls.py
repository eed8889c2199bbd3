from django.urls import URLPattern, URLResolver

app_name = "dues"
urlpatterns: list[URLPattern | URLResolver] = []
