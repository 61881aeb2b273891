package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A config without secretId/secretKey: the binding passes no key and libsts resolves the
 * environment's. pom.xml runs this class alone, in a JVM of its own whose environment holds the
 * emulator's permanent key pair (and the default run excludes it).
 */
public class EnvKeyTest {
    static TreeMap<String, Object> noKey(Map<String, Object> config) {
        TreeMap<String, Object> c = new TreeMap<>(config);
        c.remove("secretId");
        c.remove("secretKey");
        return c;
    }

    @Test
    public void theEnvironmentsKeyAnswersEveryCall() throws Exception {
        assertEquals(TestEnv.SECRET_ID, System.getenv("TENCENTCLOUD_SECRET_ID"), "run by pom.xml's env-key execution");
        assertNull(System.getenv("TENCENTCLOUD_SESSION_TOKEN"));
        CallerIdentity id = CosStsClient.getCallerIdentity(noKey(IdentityTest.identityConfig("ok")));
        assertEquals("env", id.credentialSource);
        assertEquals("RootAccount", id.type);
        assertEquals("env", CosStsClient.getCallerIdentityAsync(noKey(IdentityTest.identityConfig("ok"))).get(10, TimeUnit.SECONDS)
                .credentialSource);
        CredentialTest.assertValid(CosStsClient.getCredential(noKey(TestEnv.config("ok"))), 1800);
        TreeMap<String, Object> role = noKey(TestEnv.config("ok"));
        role.put("roleArn", IdentityTest.ROLE_ARN);
        CredentialTest.assertValid(CosStsClient.getRoleCredentialAsync(role).get(10, TimeUnit.SECONDS), 1800);
        // The config's pair, when given, wins over the environment's.
        assertEquals("config", CosStsClient.getCallerIdentity(IdentityTest.identityConfig("ok")).credentialSource);
    }
}
