"""The clients app's URLs, one module per part of the chart so each stays small."""

from django.urls import include, path

app_name = "clients"
urlpatterns = [
    path("", include("tend.clients.routes.caseload")),
    path("", include("tend.clients.routes.chart")),
    path("", include("tend.clients.routes.episodes")),
    path("", include("tend.clients.routes.diagnoses")),
    path("", include("tend.clients.routes.insurance")),
    path("", include("tend.clients.routes.consents")),
    path("", include("tend.clients.routes.documents")),
    path("", include("tend.clients.routes.transfer")),
]
