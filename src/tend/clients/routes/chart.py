"""URLs for the chart part of the clients app."""

urlpatterns: list = []
