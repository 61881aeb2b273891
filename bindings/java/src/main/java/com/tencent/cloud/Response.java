package com.tencent.cloud;

/**
 * The result of {@link CosStsClient#getCredential} and {@link CosStsClient#getRoleCredential}: the same
 * public fields as the vendor SDK's {@code Response}.
 *
 * <p>{@code startTime} and {@code expiredTime} are Unix seconds; {@code expiration} is the RFC 3339 UTC
 * time of {@code expiredTime} (e.g. {@code 2019-08-07T08:54:35Z}). {@link #toString()} never shows the
 * secret key or the session token.
 */
public class Response {
    public Credentials credentials = new Credentials();
    public String requestId;
    public String expiration;
    public long startTime;
    public long expiredTime;

    @Override
    public String toString() {
        return "RequestId:" + requestId
                + ", TmpSecretId:" + credentials.tmpSecretId
                + ", StartTime:" + startTime
                + ", ExpiredTime:" + expiredTime
                + ", Expiration:" + expiration;
    }
}
