"""URLs for the diagnoses part of the clients app."""

urlpatterns: list = []
