from tests.web_api_data import crawled, no_throttle  # noqa: F401
