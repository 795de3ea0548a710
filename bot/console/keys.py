"""The console's resources by key."""

import jinja2
from aiohttp import web

from bot.console.auth import Accounts, Login, Logins
from bot.console.hub import Hub
from bot.console.throttle import LoginThrottle

ACCOUNTS = web.AppKey("accounts", Accounts)
LOGINS = web.AppKey("logins", Logins)
THROTTLE = web.AppKey("throttle", LoginThrottle)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
HUB = web.AppKey("hub", Hub)
LOGIN = web.RequestKey("login", Login)
