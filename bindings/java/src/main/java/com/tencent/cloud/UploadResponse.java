package com.tencent.cloud;

/**
 * The result of {@link CosStsClient#getUploadCredential}: the temporary key of {@link Response},
 * plus the object it may write. A libsts addition; the fields are those of the vendor's
 * {@code getKeyAndCredentials} demos, so the JSON of this object is what their clients expect.
 */
public class UploadResponse extends Response {
    /** The bucket, e.g. {@code example-1250000000}. */
    public String bucket;
    /** The region, e.g. {@code ap-guangzhou}. */
    public String region;
    /** The one object key the credentials may write, e.g. {@code file/20261202/20261202_0f3a...9c.jpg}. */
    public String key;

    @Override
    public String toString() {
        return super.toString() + ", Bucket:" + bucket + ", Region:" + region + ", Key:" + key;
    }
}
