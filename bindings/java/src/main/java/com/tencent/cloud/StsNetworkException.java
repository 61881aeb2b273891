package com.tencent.cloud;

/**
 * DNS, connect, TLS, proxy or timeout failure after the configured retries
 * ({@link #getCode()}: {@code Client.Network}, {@code Client.Dns}, {@code Client.Timeout},
 * {@code Client.Tls}, {@code Client.Proxy}).
 */
public class StsNetworkException extends StsException {
    private static final long serialVersionUID = 1L;

    public StsNetworkException(String code, String message, String requestId) {
        super(LibSts.STS_NETWORK, code, message, requestId);
    }
}
