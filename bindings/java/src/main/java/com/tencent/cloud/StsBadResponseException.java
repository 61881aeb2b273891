package com.tencent.cloud;

/**
 * STS (or something in between) answered with something that is not a valid STS response:
 * a non-JSON body, the wrong shape, an HTTP error status or an oversized body ({@link #getCode()}:
 * {@code Client.BadResponse}, {@code Client.HttpStatus}, {@code Client.ResponseTooLarge}).
 */
public class StsBadResponseException extends StsException {
    private static final long serialVersionUID = 1L;

    public StsBadResponseException(String code, String message, String requestId) {
        super(LibSts.STS_BAD_RESPONSE, code, message, requestId);
    }
}
