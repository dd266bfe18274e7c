"""Who is visiting (DESIGN §16): a bot or a person, by a maintained crawler list
(crawlerdetect); on what, desktop, mobile, tablet or other, by uap-core's user-agent rules
(ua-parser); and from which country, by the GeoIP database geoip2fast ships. Pure functions:
the address is looked up and forgotten, never cached, logged or kept."""

import os
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from ipaddress import IPv6Address, ip_address
from typing import TYPE_CHECKING

from contracts.events import Device
from crawlerdetect import CrawlerDetect
from ua_parser import Domain, Parser, load_lazy_builtins
from ua_parser.regex import Resolver

if TYPE_CHECKING:
    from geoip2fast import GeoIP2Fast


# A new user agent costs up to 2 ms, a known one 0.1-0.4 µs (services/gateway/README.md,
# "Who is visiting"); people's browsers send a few thousand distinct ones. Longer ones are
# classified again each time, so the caches hold a few MiB at most whatever clients send.
_CACHED = 4096
_CACHED_LENGTH = 512

# Link-preview fetchers the gateway's own list knew and crawlerdetect 0.4.2 does not:
# Tumblr's, which sends exactly "Tumblr/14.0.835.186".
_ALSO_BOTS = re.compile(r"\bTumblr/14\.0\.835\b", re.IGNORECASE)

# uap-core names devices and systems but has no device types. Its families that are one:
_TABLETS = frozenset({"iPad", "Kindle", "Generic Tablet"})
_PHONES = frozenset({"iPhone", "iPod", "Generic Smartphone", "Generic Feature Phone"})
_PHONE_SYSTEMS = frozenset({"iOS", "Windows Phone", "KaiOS", "BlackBerry OS"})
_DESKTOP_SYSTEMS = frozenset(
    {"Windows", "Mac OS X", "Chrome OS", "Linux", "Ubuntu", "Kubuntu", "Linux Mint", "Fedora"}
    | {"Debian", "Arch Linux", "Gentoo", "Red Hat", "CentOS", "SUSE", "Slackware", "Mandriva"}
    | {"FreeBSD", "OpenBSD", "NetBSD", "Solaris"}
)
# Screens that are none of the three, some of which uap-core names only as a desktop system
# (Xbox: Windows; Android TVs: Android): televisions, consoles, watches, cars.
_OTHER_SCREENS = re.compile(
    r"smart-?tv|hbbtv|googletv|apple ?tv|android tv|\bTV Safari|crkey|roku|\bAFT[A-Z]|web0s|"
    r"playstation|xbox|nintendo|\bwatch\b|tesla",
    re.IGNORECASE,
)
# Android phones' browsers say "Mobile", tablets' do not (Chrome's and Firefox's documented
# user agents; uap-core's Generic_Android_Tablet brand is the same rule).
_MOBILE = re.compile(r"\bMobile\b")


@dataclass(frozen=True, slots=True)
class Visitor:
    """What the gateway tells of whoever made a request: never the address or user agent."""

    bot: bool
    device: Device
    country: str | None


def visitor(address: str, user_agent: str | None) -> Visitor:
    """The visitor behind a request's client address and User-Agent header."""
    return Visitor(is_bot(user_agent), device(user_agent), country(address))


def is_bot(user_agent: str | None) -> bool:
    """Whether the request comes from a crawler, a link-preview fetcher or a script (no user
    agent at all included): it may see the page, but its fetch counts as nothing."""
    if not user_agent or not user_agent.strip():
        return True
    if len(user_agent) > _CACHED_LENGTH:
        return _is_bot(user_agent)
    return _is_bot_cached(user_agent)


def device(user_agent: str | None) -> Device:
    """What the user agent runs on: `desktop`, `mobile` (phones), `tablet`, or `other`
    (televisions, consoles, watches, and whatever is not recognised)."""
    if not user_agent:
        return "other"
    if len(user_agent) > _CACHED_LENGTH:
        return _device(user_agent)
    return _device_cached(user_agent)


def country(address: str) -> str | None:
    """The ISO 3166 alpha-2 code of the country of a public address, else None (private,
    loopback, link-local, shared, reserved, multicast, unparseable, or not in the data)."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return None
    if isinstance(parsed, IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    if not parsed.is_global or parsed.is_multicast:
        return None
    code: str = _countries().lookup(str(parsed)).country_code
    return code if re.fullmatch(r"[A-Z]{2}", code) else None


def load() -> None:
    """Load the country database and compile the user-agent rules now (a few tenths of a
    second, about 70 MiB), so that no visitor's request waits for them."""
    _countries()
    _is_bot("load")  # a word crawlerdetect's exclusions leave, so that its rules compile
    _device("load")


def _is_bot(user_agent: str) -> bool:
    return bool(_crawlers().is_crawler(user_agent) or _ALSO_BOTS.search(user_agent))


def _device(user_agent: str) -> Device:
    if _OTHER_SCREENS.search(user_agent):
        return "other"
    parsed = _user_agents()(user_agent, Domain.DEVICE | Domain.OS)
    family = parsed.device.family if parsed.device else ""
    system = parsed.os.family if parsed.os else ""
    if family in _TABLETS:
        return "tablet"
    if family in _PHONES or system in _PHONE_SYSTEMS:
        return "mobile"
    if system == "Android":
        return "mobile" if _MOBILE.search(user_agent) else "tablet"
    return "desktop" if system in _DESKTOP_SYSTEMS else "other"


_is_bot_cached = lru_cache(maxsize=_CACHED)(_is_bot)
_device_cached = lru_cache(maxsize=_CACHED)(_device)


@cache
def _crawlers() -> CrawlerDetect:
    return CrawlerDetect()


@cache
def _user_agents() -> Parser:
    # uap-core's rules as ua-parser-builtins ships them, matched by ua-parser-rs; the
    # browser rules left out (7 MiB of the 26): only the device and the system are read.
    _browsers, systems, devices = load_lazy_builtins()
    return Parser(Resolver(([], systems, devices)))


@cache
def _countries() -> "GeoIP2Fast":
    # Importing geoip2fast sets PYTHONWARNINGS=ignore and PYTHONIOENCODING in os.environ
    # (geoip2fast.py, module level), which every process started after would inherit.
    saved = {name: os.environ.get(name) for name in ("PYTHONWARNINGS", "PYTHONIOENCODING")}
    import geoip2fast

    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    # Its IPv4 and IPv6 country file, by full path: a bare name is looked for in the
    # working directory first.
    data = os.path.join(os.path.dirname(geoip2fast.__file__), "geoip2fast-ipv6.dat.gz")
    return geoip2fast.GeoIP2Fast(geoip2fast_data_file=data)
