package com.tencent.cloud;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import org.junit.Test;

/** Every error kind, as a typed exception, with no secret in any message. */
public class ErrorTest {

    private static <T extends Exception> T expect(Class<T> type, Map<String, Object> config, boolean role) {
        try {
            if (role) {
                CosStsClient.getRoleCredential(config);
            } else {
                CosStsClient.getCredential(config);
            }
        } catch (Exception e) {
            if (!type.isInstance(e)) {
                throw new AssertionError("expected " + type.getSimpleName() + ", got " + e, e);
            }
            String msg = String.valueOf(e.getMessage()) + e;
            assertFalse("secret in message: " + msg, msg.contains(TestEnv.SECRET_KEY));
            assertFalse("secret in message: " + msg, msg.contains("wrong-secret-key"));
            return type.cast(e);
        }
        fail("expected " + type.getSimpleName());
        return null;
    }

    private static StsException expectSts(Class<? extends StsException> type, Map<String, Object> config) {
        return expect(type, config, false);
    }

    @Test
    public void wrongSecretKeyIsSignatureFailure() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("secretKey", "wrong-secret-key");
        StsException e = expectSts(StsServiceException.class, c);
        assertEquals("AuthFailure.SignatureFailure", e.getCode());
        assertEquals(3, e.getStsCode());
        assertNotNull(e.getRequestId());
        assertTrue(e.getMessage().startsWith("AuthFailure.SignatureFailure: "));
        assertTrue(e.getMessage().contains(e.getRequestId()));
        assertTrue("vendor callers catch IOException", e instanceof IOException);
    }

    @Test
    public void unknownSecretIdIsSecretIdNotFound() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("secretId", "AKIDUNKNOWNEXAMPLE000000000000000000");
        StsException e = expectSts(StsServiceException.class, c);
        assertEquals("AuthFailure.SecretIdNotFound", e.getCode());
        assertNotNull(e.getRequestId());
    }

    @Test
    public void serviceParameterErrorOnAssumeRole() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("roleArn", "arn:aws:iam::1:role/x");
        StsServiceException e = expect(StsServiceException.class, c, true);
        // libsts leaves the ARN format to the service; the emulator answers as STS does
        assertEquals("InvalidParameterValue", e.getCode());
        assertNotNull(e.getRequestId());
    }

    @Test
    public void connectionRefusedIsNetworkError() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("url", "http://127.0.0.1:1/");
        c.put("retries", 0);
        long t0 = System.nanoTime();
        StsException e = expectSts(StsNetworkException.class, c);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("Client.Network", e.getCode());
        assertEquals(2, e.getStsCode());
        assertNull(e.getRequestId());
        assertTrue("took " + ms + " ms", ms < 5000);
    }

    @Test
    public void hangingServerIsTimeout() {
        TreeMap<String, Object> c = TestEnv.config("hang");
        c.put("timeoutMs", 300);
        c.put("retries", 0);
        long t0 = System.nanoTime();
        StsException e = expectSts(StsNetworkException.class, c);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("Client.Timeout", e.getCode());
        assertTrue("took " + ms + " ms", ms >= 250 && ms < 5000);
    }

    @Test
    public void droppedConnectionIsNetworkError() {
        TreeMap<String, Object> c = TestEnv.config("drop");
        c.put("retries", 0);
        StsException e = expectSts(StsNetworkException.class, c);
        assertTrue(e.getCode(), e.getCode().startsWith("Client."));
    }

    @Test
    public void malformedBodyIsBadResponse() {
        TreeMap<String, Object> c = TestEnv.config("malformed");
        c.put("retries", 0);
        StsException e = expectSts(StsBadResponseException.class, c);
        assertEquals("Client.BadResponse", e.getCode());
        assertEquals(4, e.getStsCode());
    }

    @Test
    public void http500IsBadResponseWithHttpStatus() {
        TreeMap<String, Object> c = TestEnv.config("http500");
        c.put("retries", 0);
        StsException e = expectSts(StsBadResponseException.class, c);
        assertEquals("Client.HttpStatus", e.getCode());
        assertTrue(e.getMessage(), e.getMessage().contains("500"));
    }

    @Test
    public void throttlingIsServiceErrorAfterRetries() {
        TreeMap<String, Object> c = TestEnv.config("throttle");
        c.put("retries", 1);
        StsException e = expectSts(StsServiceException.class, c);
        assertEquals("RequestLimitExceeded", e.getCode());
        assertNotNull(e.getRequestId());
    }

    // ---------------------------------------------------------------- bad config: nothing is sent

    private static String badConfig(TreeMap<String, Object> c) {
        return expect(IllegalArgumentException.class, c, false).getMessage();
    }

    @Test
    public void unknownKeyIsNamed() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("allowPrefixs", new String[] {"x/*"});
        assertEquals("unknown config key 'allowPrefixs'", badConfig(c));
    }

    @Test
    public void nullValueIsRefused() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("policy", null);
        assertEquals("config key 'policy' is null", badConfig(c));
        assertEquals("config == null", expect(IllegalArgumentException.class, null, false).getMessage());
    }

    @Test
    public void sameKeyTwiceIsRefused() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("allowPrefix", "y/*");
        String m = badConfig(c);
        assertTrue(m, m.contains("'allowPrefix'") && m.contains("'allowPrefixes'"));
        c = TestEnv.config("ok");
        c.put("secret_key", TestEnv.SECRET_KEY);
        m = badConfig(c);
        assertTrue(m, m.contains("secret_key") && m.contains("secretKey"));
    }

    @Test
    public void vendorSecretTypeIsRefusedWithAReason() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("secretType", 1);
        assertTrue(badConfig(c).contains("not supported"));
    }

    @Test
    public void libstsValidationNamesTheKey() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("durationSeconds", 0);
        assertTrue(badConfig(c).contains("duration_seconds"));
        c.put("durationSeconds", 1800.5);
        assertTrue(badConfig(c).contains("duration_seconds"));
        c.put("durationSeconds", "1800");
        assertTrue(badConfig(c).contains("duration_seconds"));
        c = TestEnv.config("ok");
        c.put("retries", 11);
        assertTrue(badConfig(c).contains("retries"));
    }

    @Test
    public void policyWithAllowPrefixIsAmbiguous() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("policy", "{\"version\":\"2.0\",\"statement\":[]}");
        String m = badConfig(c);
        assertTrue(m, m.contains("policy"));
    }

    @Test
    public void roleKeysOnlyForRoleAndRoleArnRequired() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("roleArn", "qcs::cam::uin/100000000001:roleName/x");
        assertTrue(badConfig(c).contains("role_arn"));
        c.remove("roleArn");
        String m = expect(IllegalArgumentException.class, c, true).getMessage();
        assertTrue(m, m.contains("role_arn"));
    }

    @Test
    public void httpUrlOnlyToLoopback() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("url", "http://sts.example.com/");
        assertTrue(badConfig(c).contains("url"));
    }

    @Test
    public void unsupportedValueTypeNamesKeyNotValue() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("bucket", new Object());
        String m = badConfig(c);
        assertTrue(m, m.startsWith("config key 'bucket'"));
        c = TestEnv.config("ok");
        c.put("secretKey", "bad\ud800key");
        m = badConfig(c);
        assertTrue(m, m.contains("surrogate") && !m.contains("bad"));
    }

    @Test
    public void badSecretKeyValueNeverEchoed() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("secretKey", 12345);
        String m = badConfig(c);
        assertTrue(m, m.contains("secret_key"));
        assertFalse(m, m.contains("12345"));
    }
}
