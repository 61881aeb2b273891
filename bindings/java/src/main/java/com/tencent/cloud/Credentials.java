package com.tencent.cloud;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The temporary key, as in the vendor SDK: public fields {@code tmpSecretId}, {@code tmpSecretKey},
 * {@code sessionToken}.
 *
 * <p>{@link #toString()} shows only {@code tmpSecretId}: the secret key and the token never reach a
 * log through this object.
 */
public class Credentials {
    public String tmpSecretId;
    public String tmpSecretKey;
    public String sessionToken;
    /**
     * Kept so code written for the vendor SDK compiles; always {@code null} here (the vendor copied
     * it into {@link #sessionToken} and cleared it too).
     */
    @Deprecated
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public String token;

    @Override
    public String toString() {
        return "Credentials{tmpSecretId=" + tmpSecretId + ", tmpSecretKey=<redacted>, sessionToken=<redacted>}";
    }
}
