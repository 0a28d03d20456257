"""Helpers the tests share: stubs, servers, document builders, the samples. Never a test."""
