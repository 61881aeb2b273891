package com.tencent.cloud;

/**
 * STS answered with {@code Response.Error}: {@link #getCode()} is the service's own code
 * (e.g. {@code AuthFailure.SignatureFailure}, {@code RequestLimitExceeded}), and
 * {@link #getRequestId()} the id to quote to Tencent Cloud support.
 */
public class StsServiceException extends StsException {
    private static final long serialVersionUID = 1L;

    public StsServiceException(String code, String message, String requestId) {
        super(LibSts.STS_SERVICE, code, message, requestId);
    }
}
