"""Endpoints of API v1: thin — parse, ask the permission question, call the same selectors and
services as the web pages, shape the answer."""
