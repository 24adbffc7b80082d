"""Payment provider adapters (WeChat Pay v3, Alipay, sandbox): sign, verify, call; they never touch our data."""
