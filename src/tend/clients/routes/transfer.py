"""URLs for the transfer part of the clients app."""

urlpatterns: list = []
