"""Who is visiting (gateway/visitors.py): bots by crawlerdetect's list, devices by uap-core's
rules, countries by geoip2fast's bundled data; the address is never logged, printed or kept."""

import dataclasses
import logging
import os
import sys

import pytest
from gateway import visitors
from gateway.visitors import Visitor, country, device, is_bot, visitor
from service_kit.testing import BROWSER

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)

# Every fetcher the gateway's hand-written list excluded before crawlerdetect (and the
# agents its tests, services/gateway/tests/integration and tests/e2e called bots).
TODAYS_BOTS = [
    "Slackbot-LinkExpanding 1.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "facebookexternalhit/1.1",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Facebot",
    "Twitterbot/1.0",
    "WhatsApp/2.2",
    "WhatsApp/2.23.20.0",
    "Discordbot/2.0",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "TelegramBot (like TwitterBot)",
    "LinkedInBot/1.0",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Applebot/0.1",
    "Mozilla/5.0 Applebot/0.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/130.0.0.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
    "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)",
    "Pinterest/0.2 (+https://www.pinterest.com/bot.html)",
    "redditbot/1.0",
    "vkShare; +http://vk.com/dev/Share",
    "W3C_Validator/1.3",
    "Quora Link Preview/1.0",
    "Mozilla/5.0 (Java) outbrain",
    "Nuzzel",
    "bitlybot/3.0",
    "Tumblr/14.0.835.186",
    "Mastodon/4.2.0 (http.rb/5.1.1; +https://mastodon.social/)",
    "Iframely/1.3.1 (+https://iframely.com/docs/about)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/130.0.0.0 Safari/537.36",
    "SomeCrawler/1.0",
    "MySpider 2.0",
    "curl/8.5.0",
    "Wget/1.21.4",
    "python-requests/2.32.3",
    "python-httpx/0.28.1",
    "Go-http-client/2.0",
    None,
    "",
    "   ",
]

BROWSERS = [
    CHROME_WINDOWS,
    SAFARI_IPHONE,
    BROWSER,  # what the integration and end-to-end tests send as a person
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 Instagram 339.0.3.12.91 (iPhone14,5; iOS 17_5; en_US; en; scale=3.00)",
]


@pytest.mark.parametrize("agent", TODAYS_BOTS)
def test_link_preview_fetchers_crawlers_and_scripts_are_bots(agent: str | None):
    assert is_bot(agent)


@pytest.mark.parametrize("agent", BROWSERS)
def test_browsers_are_people(agent: str):
    assert not is_bot(agent)


@pytest.mark.parametrize(
    ("agent", "kind"),
    [
        (SAFARI_IPHONE, "mobile"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
            "like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
            "mobile",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
            "tablet",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.6778.81 Mobile Safari/537.36",
            "mobile",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like "
            "Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
            "mobile",
        ),
        ("Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", "mobile"),
        (
            # Chrome on an Android tablet: the same reduced agent as a phone's, without "Mobile"
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "tablet",
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-X700) AppleWebKit/537.36 (KHTML, like "
            "Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Safari/537.36",
            "tablet",
        ),
        ("Mozilla/5.0 (Android 14; Tablet; rv:133.0) Gecko/133.0 Firefox/133.0", "tablet"),
        (
            "Mozilla/5.0 (Linux; Android 11; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Silk/131.2.4 like Chrome/131.0.6778.200 Safari/537.36",
            "tablet",
        ),
        (CHROME_WINDOWS, "desktop"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/18.1 Safari/605.1.15",
            "desktop",
        ),
        (
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "desktop",
        ),
        (BROWSER, "desktop"),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "desktop",
        ),
        (
            "Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "76.0.3809.146/6.0 TV Safari/537.36",
            "other",
        ),
        (
            "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/87.0.4280.88 Safari/537.36 WebAppManager",
            "other",
        ),
        (
            # Windows to uap-core: told apart by its own word
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, "
            "like Gecko) Chrome/120.0.0.0 Safari/537.36 Edge/44.18363.8131",
            "other",
        ),
        (
            "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/13.0 Safari/605.1.15",
            "other",
        ),
        ("curl/8.5.0", "other"),
        (None, "other"),
        ("", "other"),
    ],
)
def test_devices_of_real_user_agents(agent: str | None, kind: str):
    assert device(agent) == kind


def test_a_long_user_agent_is_classified_but_not_kept():
    long = SAFARI_IPHONE + " " + "x" * 600
    kept = (visitors._device_cached.cache_info().currsize, visitors._is_bot_cached.cache_info())
    assert (device(long), is_bot(long)) == ("mobile", False)
    assert visitors._device_cached.cache_info().currsize == kept[0]
    assert visitors._is_bot_cached.cache_info().currsize == kept[1].currsize


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("8.8.8.8", "US"),  # Google
        ("2001:4860:4860::8888", "US"),
        ("::ffff:8.8.8.8", "US"),  # the same, as a dual-stack socket reports it
        ("193.0.6.139", "NL"),  # RIPE NCC, Amsterdam
        ("2001:67c:2e8:22::c100:68b", "NL"),
        ("200.160.2.3", "BR"),  # NIC.br
        ("202.12.27.33", "JP"),  # the M root server, WIDE
    ],
)
def test_public_addresses_have_their_country(address: str, code: str):
    assert country(address) == code


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "127.0.0.1",
        "::1",
        "169.254.1.1",
        "fe80::1",
        "fc00::1",
        "100.64.0.1",  # carrier-grade NAT
        "198.51.100.7",  # documentation
        "2001:db8::1",
        "::ffff:10.0.0.1",
        "224.0.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "unknown",  # what client_address says without a client
        "",
        "garbage",
        "1.2.3",  # inet_aton would read 1.2.0.3 (China)
        "8.8.8.8 ",
        "8.8.8.8/32",
    ],
)
def test_private_reserved_and_unparseable_addresses_have_no_country(address: str):
    assert country(address) is None


def test_a_visitor_is_bot_device_and_country_and_never_the_address():
    assert visitor("8.8.8.8", SAFARI_IPHONE) == Visitor(bot=False, device="mobile", country="US")
    assert visitor("10.1.2.3", "Twitterbot/1.0") == Visitor(True, "other", None)
    assert [f.name for f in dataclasses.fields(Visitor)] == ["bot", "device", "country"]


@pytest.fixture
def fresh_geoip(monkeypatch: pytest.MonkeyPatch):
    """geoip2fast imported and loaded anew inside the test, then the process's own again."""
    for name in [m for m in sys.modules if m == "geoip2fast" or m.startswith("geoip2fast.")]:
        monkeypatch.delitem(sys.modules, name)
    visitors._countries.cache_clear()
    yield
    visitors._countries.cache_clear()


def test_loading_and_looking_up_never_logs_prints_or_changes_the_environment(
    fresh_geoip, monkeypatch: pytest.MonkeyPatch, caplog, capfd
):
    monkeypatch.delenv("PYTHONWARNINGS", raising=False)
    monkeypatch.setenv("PYTHONIOENCODING", "latin-1")
    caplog.set_level(logging.DEBUG)
    assert country("193.0.6.139") == "NL"
    assert country("198.51.100.23") is None
    out, err = capfd.readouterr()
    assert "193.0.6" not in caplog.text + out + err and "198.51" not in caplog.text + out + err
    # geoip2fast sets both when imported; a subprocess of the gateway would inherit them
    assert "PYTHONWARNINGS" not in os.environ
    assert os.environ["PYTHONIOENCODING"] == "latin-1"
