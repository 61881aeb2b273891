package com.tencent.cloud;

/**
 * The result of {@link CosStsClient#getCallerIdentity(java.util.Map)}: who signs with the config's key
 * (STS {@code GetCallerIdentity}), with the core's fields. No secret is in it.
 */
public class CallerIdentity {
    /** The identity's resource name, e.g. {@code qcs::cam::uin/100000000001:uin/100000000001}. */
    public String arn;
    public String accountId;
    public String userId;
    public String principalId;
    /** The kind of identity, e.g. {@code RootAccount}, {@code CAMUser}, {@code CAMRole}. */
    public String type;
    public String requestId;
    /**
     * Where libsts found the key: {@code config} (the config's secretId and secretKey), {@code env}
     * (the environment), or another source of the README's Credentials section.
     */
    public String credentialSource;

    @Override
    public String toString() {
        return "Arn:" + arn + ", AccountId:" + accountId + ", UserId:" + userId + ", PrincipalId:" + principalId
                + ", Type:" + type + ", RequestId:" + requestId + ", CredentialSource:" + credentialSource;
    }
}
