"""URLs for the insurance part of the clients app."""

urlpatterns: list = []
