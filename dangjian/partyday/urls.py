from django.urls import URLPattern, URLResolver

app_name = "partyday"
urlpatterns: list[URLPattern | URLResolver] = []
