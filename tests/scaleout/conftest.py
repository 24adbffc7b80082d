"""Scale-out givens: the checkout tests' payments sandbox and settings (WeChat Pay pointed at the sandbox, its
notifications at `app_port`), shared rather than rebuilt, so the processes this test starts pay as checkout does.
"""

from tests.checkout.conftest import app_port, payments_sandbox, sandbox_keys, settings

__all__ = ["app_port", "payments_sandbox", "sandbox_keys", "settings"]
