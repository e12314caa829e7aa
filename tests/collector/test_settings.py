import pytest

from auditor.collector import Endpoint, parse_endpoint


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ram.aliyuncs.com", Endpoint("ram.aliyuncs.com", "https")),
        ("https://ram.vpc-proxy.aliyuncs.com/", Endpoint("ram.vpc-proxy.aliyuncs.com", "https")),
        ("http://127.0.0.1:18765", Endpoint("127.0.0.1:18765", "http")),
        ("HTTP://LocalHost:80", Endpoint("localhost:80", "http")),
        ("http://[::1]:9000", Endpoint("[::1]:9000", "http")),
    ],
)
def test_parse_endpoint_accepts_scheme_host_port(url: str, expected: Endpoint) -> None:
    assert parse_endpoint("ram", url) == expected


@pytest.mark.parametrize(
    ("service", "url", "message"),
    [
        ("ram", "ram.aliyuncs.com", "must start with https:// or http://"),
        ("ram", "ftp://ram.aliyuncs.com", "must start with https:// or http://"),
        ("ims", "https://ims.aliyuncs.com/path", "scheme://host[:port] only"),
        ("ims", "https://ims.aliyuncs.com?x=1", "scheme://host[:port] only"),
        ("sts", "http://127.0.0.1:99999", "invalid port"),
        ("sts", "http://:80", "no host"),
        ("sts", "https://user:pw@sts.aliyuncs.com", "user information"),
        ("ecs", "https://ecs.aliyuncs.com", "unknown service 'ecs'"),
    ],
)
def test_parse_endpoint_rejects_with_clear_message(service: str, url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("?", r"\?")):
        parse_endpoint(service, url)


def test_endpoint_url_round_trips() -> None:
    assert parse_endpoint("ims", "http://127.0.0.1:8080").url == "http://127.0.0.1:8080"
