"""URLs for the episodes part of the clients app."""

urlpatterns: list = []
