"""党建工作平台: the Django project."""
