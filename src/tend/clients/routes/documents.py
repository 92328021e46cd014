"""URLs for the documents part of the clients app."""

urlpatterns: list = []
