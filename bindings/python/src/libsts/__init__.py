"""libsts: Tencent Cloud STS temporary keys for COS, a drop-in replacement for qcloud-python-sts.

Change ``from sts.sts import Sts`` to ``from libsts import Sts``; the rest stays::

    from libsts import Sts, StsError

    sts = Sts({
        "secret_id": "AKID...", "secret_key": "...",
        "bucket": "example-1250000000", "region": "ap-guangzhou",
        "allow_prefix": ["dir/*"], "allow_actions": ["name/cos:PutObject"],
    })
    credential = sts.get_credential()   # StsError on failure: .code .message .request_id
    credential = await sts.get_credential_async()   # the same, for asyncio

The work is done by the libsts C library (bundled in the package, or ``LIBSTS_PATH``) via ctypes.
"""

from __future__ import annotations

from ._ffi import (
    STS_BAD_RESPONSE,
    STS_INTERNAL,
    STS_INVALID_ARGUMENT,
    STS_NETWORK,
    STS_OK,
    STS_SERVICE,
    cache_clear,
    library_path,
    library_version,
)
from .sts import CIScope, CISts, Scope, Sts, StsConfigError, StsError, StsWarning

__version__ = "0.1.0"

__all__ = [
    "Sts",
    "CISts",
    "Scope",
    "CIScope",
    "StsError",
    "StsConfigError",
    "StsWarning",
    "library_path",
    "library_version",
    "cache_clear",
    "STS_OK",
    "STS_INVALID_ARGUMENT",
    "STS_NETWORK",
    "STS_SERVICE",
    "STS_BAD_RESPONSE",
    "STS_INTERNAL",
    "__version__",
]
