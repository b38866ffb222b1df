"""Benchmarks behind `make bench`: hub-scale crawl, rescoring and web/API load, on PostgreSQL."""
