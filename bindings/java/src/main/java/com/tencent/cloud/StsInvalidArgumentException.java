package com.tencent.cloud;

/**
 * A bad config or scope ({@code STS_INVALID_ARGUMENT}): nothing was sent. It is an
 * {@link IllegalArgumentException}, as the vendor SDK threw for bad input, so existing
 * {@code catch (IllegalArgumentException e)} blocks keep working.
 *
 * <p>The message is libsts's own, unchanged, and starts with the field it is about, e.g.
 * {@code duration_seconds: 129601 is out of range 1..=129600} or
 * {@code bukcet: unknown config key (did you mean `bucket`?)}. The few refusals this binding
 * makes itself (a value that cannot be sent as JSON, the vendor-only {@code secretType}) are
 * worded the same way. No message ever holds a secret.
 */
public class StsInvalidArgumentException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** The code of every invalid-argument error, from libsts or from this binding. */
    public static final String CODE = "Client.InvalidArgument";

    private final String code;

    StsInvalidArgumentException(String code, String message) {
        super(message);
        this.code = code;
    }

    /** A refusal by this binding itself: {@code field: problem}. */
    static StsInvalidArgumentException of(String field, String problem) {
        return new StsInvalidArgumentException(CODE, field + ": " + problem);
    }

    /** The C ABI's {@code StsCode}: always {@code STS_INVALID_ARGUMENT}. */
    public int getStsCode() {
        return LibSts.STS_INVALID_ARGUMENT;
    }

    /** The error code, {@value #CODE}. */
    public String getCode() {
        return code;
    }
}
