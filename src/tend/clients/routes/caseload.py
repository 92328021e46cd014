"""URLs for the caseload part of the clients app."""

urlpatterns: list = []
