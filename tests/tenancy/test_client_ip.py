"""The address in the audit log is the client's, also behind a trusted proxy."""

from django.test import RequestFactory, override_settings

from tend.core.audit import client_ip


def _request(**meta):
    return RequestFactory().get("/", **meta)


def test_without_proxies_the_connecting_address_is_used_and_forwarding_ignored():
    request = _request(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_ip(request) == "203.0.113.9"


@override_settings(TEND_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_saw_is_used_not_one_the_client_wrote():
    request = _request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert client_ip(request) == "198.51.100.7"


@override_settings(TEND_PROXY_COUNT=2)
def test_too_few_forwarded_entries_fall_back_to_the_connecting_address():
    request = _request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert client_ip(request) == "10.0.0.2"
