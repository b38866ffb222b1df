from tests.web_api_data import crawled  # noqa: F401
