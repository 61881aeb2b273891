package com.tencent.cloud;

import java.io.IOException;

/**
 * A libsts call failed after the request was built: the base of {@link StsServiceException},
 * {@link StsNetworkException} and {@link StsBadResponseException}; thrown as itself only for
 * {@code STS_INTERNAL} (a bug in libsts: please report it).
 *
 * <p>It extends {@link IOException} because the vendor's {@code CosStsClient.getCredential} declares
 * {@code throws IOException}: existing {@code catch (IOException e)} blocks keep working. Bad
 * configuration is an {@link IllegalArgumentException} instead, thrown before anything is sent.
 *
 * <p>The message is the library's: it never holds the secret key, a signature or a session token.
 */
public class StsException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int stsCode;
    private final String code;
    private final String requestId;

    public StsException(int stsCode, String code, String message, String requestId) {
        super(format(code, message, requestId));
        this.stsCode = stsCode;
        this.code = code;
        this.requestId = requestId;
    }

    private static String format(String code, String message, String requestId) {
        StringBuilder sb = new StringBuilder();
        sb.append(code).append(": ").append(message);
        if (requestId != null) {
            sb.append(" (requestId ").append(requestId).append(')');
        }
        return sb.toString();
    }

    /** The C ABI's {@code StsCode}: 2 network, 3 service, 4 bad response, 5 internal. */
    public int getStsCode() {
        return stsCode;
    }

    /**
     * The error code: the service's own for {@link StsServiceException} (e.g.
     * {@code AuthFailure.SignatureFailure}), otherwise a library code starting with {@code Client.}
     * ({@code Client.Network}, {@code Client.Timeout}, {@code Client.HttpStatus}, ...).
     */
    public String getCode() {
        return code;
    }

    /** The STS request id when the service answered, else {@code null}. */
    public String getRequestId() {
        return requestId;
    }
}
