"""URLs for the consents part of the clients app."""

urlpatterns: list = []
