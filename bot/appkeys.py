"""The application's shared resources, by key (sub-apps read them through config_dict)."""

import asyncio

import aiohttp
import redis.asyncio as redis
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.records import CaseRecords
from bot.channels.messenger import MessengerAdapter
from bot.channels.webchat import WebChatAdapter
from bot.channels.zalo import ZaloAdapter
from bot.content import Content
from bot.handoff.service import Handoffs
from bot.ratelimit import RateLimit
from bot.settings import Settings
from bot.store.intake import Intake
from bot.understanding.classifier import RasaIntentClassifier

SETTINGS = web.AppKey("settings", Settings)
HTTP = web.AppKey("http", aiohttp.ClientSession)
REDIS = web.AppKey("redis", redis.Redis)
CLASSIFIER = web.AppKey("classifier", RasaIntentClassifier)
DATABASE = web.AppKey("database", AsyncEngine)
CASES = web.AppKey("cases", CaseRecords)
CONTENT = web.AppKey("content", Content)
HANDOFFS = web.AppKey("handoffs", Handoffs)
WORKERS = web.AppKey("workers", list[asyncio.Task[None]])
INTAKE = web.AppKey("intake", Intake)
MESSENGER = web.AppKey("messenger", MessengerAdapter)
ZALO = web.AppKey("zalo", ZaloAdapter)
WEBCHAT = web.AppKey("webchat", WebChatAdapter)
CHAT_PAGE = web.AppKey("chat_page", str)
RATE_LIMIT = web.AppKey("rate_limit", RateLimit)
