"""The reviewer web UI: server-rendered pages (Jinja2) with small vanilla JS on the JSON API."""
