"""The portal app: pages, JSON API, uploads, alerts, maps and accounts."""
