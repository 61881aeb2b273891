package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.tencent.cloud.assumerole.AssumeRoleParam;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Both STS calls against the emulator. The emulator verifies every TC3 signature, so a success
 * proves the request was signed with the right key.
 */
public class CredentialTest {

    @SuppressWarnings("deprecation")
    static void assertValid(Response r, long duration) {
        assertNotNull(r.credentials.tmpSecretId);
        assertFalse(r.credentials.tmpSecretId.isEmpty());
        assertNotNull(r.credentials.tmpSecretKey);
        assertFalse(r.credentials.tmpSecretKey.isEmpty());
        assertNotNull(r.credentials.sessionToken);
        assertFalse(r.credentials.sessionToken.isEmpty());
        assertNull(r.credentials.token);
        assertNotNull(r.requestId);
        assertFalse(r.requestId.isEmpty());
        assertEquals(duration, r.expiredTime - r.startTime);
        long now = System.currentTimeMillis() / 1000;
        assertTrue(Math.abs(r.startTime - now) < 300, "startTime near now");
        assertTrue(r.expiration.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), r.expiration);
        assertEquals(r.expiredTime, Instant.parse(r.expiration).getEpochSecond());
        // nothing secret in toString
        for (String s : new String[] {r.toString(), r.credentials.toString()}) {
            assertFalse(s.contains(r.credentials.tmpSecretKey));
            assertFalse(s.contains(r.credentials.sessionToken));
            assertFalse(s.contains(TestEnv.SECRET_KEY));
        }
        assertTrue(r.toString().contains(r.credentials.tmpSecretId));
    }

    @Test
    public void temporaryKeyPairSignsWithItsSessionToken() throws Exception {
        TreeMap<String, Object> c = TestEnv.config("temporary");
        c.put("secretId", "AKIDTEMPORARYEXAMPLE");
        c.put("secretKey", "temporary-key");
        c.put("sessionToken", "session-token-EXAMPLE");
        c.put("roleArn", "qcs::cam::uin/100000000001:roleName/cos-uploader");
        assertValid(CosStsClient.getRoleCredential(c), 1800);
        c.remove("roleArn");
        try {
            CosStsClient.getCredential(c);
            fail("GetFederationToken accepts permanent keys only");
        } catch (StsInvalidArgumentException e) {
            assertTrue(e.getMessage().contains("use sts_get_role_credential"), e.getMessage());
            assertFalse(e.getMessage().contains("session-token-EXAMPLE"));
        }
        c.remove("sessionToken");
        c.put("roleArn", "qcs::cam::uin/100000000001:roleName/cos-uploader");
        try {
            CosStsClient.getRoleCredential(c);
            fail("a temporary key pair without its token must be refused");
        } catch (StsServiceException e) {
            assertEquals("AuthFailure.TokenFailure", e.getCode());
            assertFalse(e.getMessage().contains("session-token-EXAMPLE"));
        }
    }

    @Test
    public void getCredentialVendorStyleConfig() throws Exception {
        Response r = CosStsClient.getCredential(TestEnv.config("ok"));
        assertValid(r, 1800);
    }

    @Test
    public void getCredentialWithPolicyFromScopesWithCondition() throws Exception {
        Scope s = new Scope("name/cos:PutObject", TestEnv.BUCKET, TestEnv.REGION, "uploads/*");
        s.setCondition("{\"ip_equal\":{\"qcs:ip\":[\"10.0.0.0/8\"]}}");
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.remove("allowPrefixes");
        c.remove("allowActions");
        c.put("policy", CosStsClient.getPolicy(Collections.singletonList(s)));
        c.put("durationSeconds", 900);
        assertValid(CosStsClient.getCredential(c), 900);
    }

    @Test
    public void getCredentialSnakeCaseKeysAndSingleAllowPrefix() throws Exception {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("secret_id", TestEnv.SECRET_ID);
        c.put("secret_key", TestEnv.SECRET_KEY);
        c.put("bucket", TestEnv.BUCKET);
        c.put("region", TestEnv.REGION);
        c.put("allowPrefix", "dir/*");
        c.put("allow_actions", Arrays.asList("name/cos:PutObject"));
        c.put("condition", "{\"string_equal\":{\"cos:content-type\":\"image/png\"}}");
        c.put("name", "java-test");
        c.put("timeoutMs", 5000);
        c.put("retries", 0);
        c.put("proxy", "");
        c.put("url", TestEnv.url("ok"));
        assertValid(CosStsClient.getCredential(c), 1800);
    }

    @Test
    public void vendorKeysAreCaseInsensitive() throws Exception {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.remove("secretId");
        c.remove("secretKey");
        c.put("SecretId", TestEnv.SECRET_ID);
        c.put("SecretKey", TestEnv.SECRET_KEY);
        assertValid(CosStsClient.getCredential(c), 1800);
    }

    @Test
    public void getRoleCredentialWithMap() throws Exception {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("roleArn", "qcs::cam::uin/100000000001:roleName/cos-uploader");
        c.put("roleSessionName", "java-test@example.com");
        c.put("externalId", "ext-1");
        c.put("durationSeconds", 3600);
        assertValid(CosStsClient.getRoleCredential(c), 3600);
    }

    @Test
    public void getRoleCredentialWithoutPolicyUsesRolePermissions() throws Exception {
        Map<String, Object> c = new TreeMap<>();
        c.put("secretId", TestEnv.SECRET_ID);
        c.put("secretKey", TestEnv.SECRET_KEY);
        c.put("roleArn", "qcs::cam::uin/100000000001:role/4611686018427397919");
        c.put("url", TestEnv.url("ok"));
        assertValid(CosStsClient.getRoleCredential(c), 1800);
    }

    @Test
    public void getRoleCredentialWithVendorAssumeRoleParam() throws Exception {
        Properties p = new Properties();
        p.setProperty("SecretId", TestEnv.SECRET_ID);
        p.setProperty("SecretKey", TestEnv.SECRET_KEY);
        p.setProperty("region", TestEnv.REGION);
        p.setProperty("durationSeconds", "1200");
        p.setProperty("RoleArn", "qcs::cam::uin/100000000001:roleName/cos-uploader");
        p.setProperty("RoleSessionName", "session-1");
        p.setProperty("policy.actions", "name/cos:PutObject,name/cos:GetObject");
        p.setProperty("policy.resources", "qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*");
        AssumeRoleParam param = new AssumeRoleParam();
        param.Parse(p);
        param.check();
        assertFalse(param.toString().contains(TestEnv.SECRET_KEY));
        param.setUrl(TestEnv.url("ok"));
        assertValid(CosStsClient.getRoleCredential(param), 1200);
        assertEquals("{\"version\":\"2.0\",\"statement\":[{\"effect\":\"allow\","
                + "\"action\":[\"name/cos:PutObject\",\"name/cos:GetObject\"],"
                + "\"resource\":[\"qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*\"]}]}",
                param.getPolicy());
        // the overload signs with the key it is given: a wrong one is refused by the service
        param.setSecretKey("wrong-key");
        try {
            CosStsClient.getRoleCredential(param);
            org.junit.jupiter.api.Assertions.fail("wrong key accepted");
        } catch (StsServiceException expected) {
            assertEquals("AuthFailure.SignatureFailure", expected.getCode());
        }
    }

    @Test
    public void retriesRecoverFromTransientThrottling() throws Exception {
        // the "flaky" emulator throttles its first 2 requests; retries 2 = 3 attempts
        TreeMap<String, Object> c = TestEnv.config("flaky");
        c.put("retries", 2);
        assertValid(CosStsClient.getCredential(c), 1800);
    }

    @Test
    public void nothingIsPrinted() throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(buf, true, "UTF-8");
        System.setOut(capture);
        System.setErr(capture);
        try {
            CosStsClient.getCredential(TestEnv.config("ok"));
            TreeMap<String, Object> bad = TestEnv.config("ok");
            bad.put("secretKey", "wrong-key");
            try {
                CosStsClient.getCredential(bad);
            } catch (StsServiceException expected) {
                // fine
            }
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertEquals("", buf.toString("UTF-8"));
    }

    @Test
    public void libraryVersion() {
        assertTrue(CosStsClient.libraryVersion().matches("\\d+\\.\\d+\\.\\d+.*"));
    }
}
