package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * A temporary key in the environment (TENCENTCLOUD_SESSION_TOKEN set) and no key in the config:
 * AssumeRole signs with it, GetFederationToken is libsts's refusal as this binding's
 * StsInvalidArgumentException. pom.xml runs this class alone, in a JVM of its own with that
 * environment (and the default run excludes it).
 */
public class EnvTemporaryKeyTest {
    static final String TOKEN = "session-token-EXAMPLE";

    @Test
    public void getCredentialIsRefusedAssumeRoleWorks() throws Exception {
        assertEquals(TOKEN, System.getenv("TENCENTCLOUD_SESSION_TOKEN"), "run by pom.xml's env-temporary-key execution");
        TreeMap<String, Object> c = EnvKeyTest.noKey(TestEnv.config("temporary"));
        c.put("roleArn", IdentityTest.ROLE_ARN);
        CredentialTest.assertValid(CosStsClient.getRoleCredential(c), 1800);
        CallerIdentity id = CosStsClient.getCallerIdentity(EnvKeyTest.noKey(IdentityTest.identityConfig("temporary")));
        assertEquals("CAMRole", id.type);
        assertEquals("env", id.credentialSource);

        TreeMap<String, Object> federation = EnvKeyTest.noKey(TestEnv.config("temporary"));
        StsInvalidArgumentException e = assertThrows(StsInvalidArgumentException.class, () -> CosStsClient.getCredential(federation));
        assertEquals("Client.InvalidArgument", e.getCode());
        assertTrue(e.getMessage().contains("TENCENTCLOUD_SESSION_TOKEN") && e.getMessage().contains("sts_get_role_credential"), e.getMessage());
        assertFalse(e.getMessage().contains(TOKEN), e.getMessage());
        CompletionException ce = assertThrows(CompletionException.class, () -> CosStsClient.getCredentialAsync(federation).join());
        assertTrue(ce.getCause() instanceof StsInvalidArgumentException, String.valueOf(ce.getCause()));
        assertEquals(e.getMessage(), ce.getCause().getMessage());
    }
}
