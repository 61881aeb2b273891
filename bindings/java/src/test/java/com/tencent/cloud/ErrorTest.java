package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

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
            assertFalse(msg.contains(TestEnv.SECRET_KEY), "secret in message: " + msg);
            assertFalse(msg.contains("wrong-secret-key"), "secret in message: " + msg);
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
        assertEquals(LibSts.STS_SERVICE, e.getStsCode());
        assertNotNull(e.getRequestId());
        assertTrue(e.getMessage().startsWith("AuthFailure.SignatureFailure: "));
        assertTrue(e.getMessage().contains(e.getRequestId()));
        assertTrue(e instanceof IOException, "vendor callers catch IOException");
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
        assertEquals(LibSts.STS_NETWORK, e.getStsCode());
        assertNull(e.getRequestId());
        assertTrue(ms < 5000, "took " + ms + " ms");
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
        assertTrue(ms >= 250 && ms < 5000, "took " + ms + " ms");
    }

    @Test
    public void droppedConnectionIsNetworkError() {
        TreeMap<String, Object> c = TestEnv.config("drop");
        c.put("retries", 0);
        StsException e = expectSts(StsNetworkException.class, c);
        assertTrue(e.getCode().startsWith("Client."), e.getCode());
    }

    @Test
    public void malformedBodyIsBadResponse() {
        TreeMap<String, Object> c = TestEnv.config("malformed");
        c.put("retries", 0);
        StsException e = expectSts(StsBadResponseException.class, c);
        assertEquals("Client.BadResponse", e.getCode());
        assertEquals(LibSts.STS_BAD_RESPONSE, e.getStsCode());
    }

    @Test
    public void http500IsBadResponseWithHttpStatus() {
        TreeMap<String, Object> c = TestEnv.config("http500");
        c.put("retries", 0);
        StsException e = expectSts(StsBadResponseException.class, c);
        assertEquals("Client.HttpStatus", e.getCode());
        assertTrue(e.getMessage().contains("500"), e.getMessage());
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
    // Cases that name a non-loopback address are in BadConfigTest (run in a network namespace).

    /**
     * The message of the StsInvalidArgumentException for {@code c}, after checking that it is exactly
     * libsts's: what sts_check_config says about the JSON the binding made of {@code c}.
     */
    private static String badConfig(Map<String, Object> c, boolean role) {
        StsInvalidArgumentException e = expect(StsInvalidArgumentException.class, c, role);
        assertEquals(LibSts.STS_INVALID_ARGUMENT, e.getStsCode());
        assertEquals("Client.InvalidArgument", e.getCode());
        // sts_check_config takes a config with roleArn for AssumeRole, any other for GetFederationToken.
        if (role == (c.containsKey("roleArn") || c.containsKey("role_arn"))) {
            LibSts.Result core = LibSts.call(LibSts.Fn.CHECK_CONFIG, CosStsClient.translate(c));
            assertEquals(LibSts.STS_INVALID_ARGUMENT, core.code);
            assertEquals(CosStsClient.toException(core).getMessage(), e.getMessage(), "the binding changed libsts's message");
        }
        return e.getMessage();
    }

    private static String badConfig(Map<String, Object> c) {
        return badConfig(c, false);
    }

    /** A refusal of the binding's own (the value never reached libsts), worded as libsts's. */
    private static String refusedByBinding(Map<String, Object> c) {
        StsInvalidArgumentException e = expect(StsInvalidArgumentException.class, c, false);
        assertEquals(LibSts.STS_INVALID_ARGUMENT, e.getStsCode());
        assertEquals("Client.InvalidArgument", e.getCode());
        return e.getMessage();
    }

    private static void startsWith(String prefix, String message) {
        assertTrue(message.startsWith(prefix), "'" + message + "' does not start with '" + prefix + "'");
    }

    @Test
    public void unknownKeyIsNamedWithASuggestion() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("allowPrefixs", new String[] {"x/*"});
        assertEquals("allowPrefixs: unknown config key (did you mean `allowPrefix`?)", badConfig(c));
        c = TestEnv.config("ok");
        c.put("RoleArn", "qcs::cam::uin/100000000001:roleName/x"); // not a vendor key: exact spelling only
        startsWith("RoleArn: unknown config key", badConfig(c));
    }

    @Test
    public void nullIsRefusedByLibsts() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("region", null);
        assertEquals("region: expected a string, got null", badConfig(c));
        assertEquals("config: null", expect(StsInvalidArgumentException.class, null, false).getMessage());
    }

    @Test
    public void sameKeyTwiceIsRefused() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("allowPrefix", "y/*"); // and allowPrefixes, the vendor's spelling of the same key
        startsWith("allowPrefix: given twice", badConfig(c));
        c = TestEnv.config("ok");
        c.put("secret_key", TestEnv.SECRET_KEY);
        startsWith("secret_key: given twice, also as `secretKey`", badConfig(c));
    }

    @Test
    public void vendorSecretTypeIsRefusedWithAReason() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("secretType", 1);
        startsWith("secretType: the vendor SDK's SecretType parameter is not supported", refusedByBinding(c));
    }

    @Test
    public void libstsValidationNamesTheKeyAsGiven() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("durationSeconds", 0);
        assertEquals("durationSeconds: 0 is out of range 1..=129600", badConfig(c));
        c.put("durationSeconds", 1800.5);
        startsWith("durationSeconds: expected an integer", badConfig(c));
        c.put("durationSeconds", "1800");
        startsWith("durationSeconds: expected an integer", badConfig(c));
        c = TestEnv.config("ok");
        c.put("retries", 11);
        startsWith("retries: 11 is out of range", badConfig(c));
        c = TestEnv.config("ok");
        c.put("timeoutMs", -1);
        startsWith("timeoutMs: ", badConfig(c));
    }

    @Test
    public void policyWithAllowPrefixIsAmbiguous() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("policy", "{\"version\":\"2.0\",\"statement\":[]}");
        startsWith("allowPrefix: ambiguous together with `policy`", badConfig(c));
    }

    @Test
    public void roleKeysOnlyForRoleAndRoleArnRequired() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("roleArn", "qcs::cam::uin/100000000001:roleName/x");
        startsWith("roleArn: is a parameter of AssumeRole", badConfig(c));
        c.remove("roleArn");
        startsWith("role_arn: missing", badConfig(c, true));
        c.put("roleArn", "");
        startsWith("roleArn: must not be empty", badConfig(c, true));
    }

    @Test
    public void unsupportedValueTypeNamesKeyNotValue() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("bucket", new Object());
        startsWith("bucket: unsupported type java.lang.Object", refusedByBinding(c));
        c = TestEnv.config("ok");
        c.put("secretKey", "bad\ud800key");
        String m = refusedByBinding(c);
        assertEquals("secretKey: string has an unpaired UTF-16 surrogate", m);
        c = TestEnv.config("ok");
        c.put("allowPrefixes", new Object[] {"ok/*", Double.NaN});
        assertEquals("allowPrefixes[1]: NaN and infinity are not JSON numbers", refusedByBinding(c));
    }

    @Test
    public void badSecretKeyValueNeverEchoed() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("secretKey", 12345);
        String m = badConfig(c);
        startsWith("secretKey: ", m);
        assertFalse(m.contains("12345"), m);
    }

    /** A NUL crosses as a JSON escape and libsts refuses it, never quoting the secret. (Needs the core's control-character rule.) */
    @Test
    public void controlCharacterInTheSecretKeyIsRefusedByLibsts() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("secretKey", "bad\u0000tail");
        String m = badConfig(c);
        assertTrue(m.matches("secret_?[kK]ey: .*control character.*"), m);
        assertFalse(m.contains("tail"), m);
    }

    @Test
    public void checkConfigValidatesWithoutNetwork() {
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("url", "http://127.0.0.1:1/"); // nothing listens: a request would fail
        String normalized = CosStsClient.checkConfig(c);
        assertTrue(normalized.contains("\"action\":\"GetFederationToken\""), normalized);
        assertTrue(normalized.contains("\"duration_seconds\":1800"), normalized);
        assertFalse(normalized.contains(TestEnv.SECRET_KEY), normalized);
        c.put("roleArn", "qcs::cam::uin/100000000001:roleName/x");
        assertTrue(CosStsClient.checkConfig(c).contains("\"action\":\"AssumeRole\""));
        c.put("durationSeconds", 43201); // over the AssumeRole maximum, fine for GetFederationToken
        try {
            CosStsClient.checkConfig(c);
            fail("checkConfig accepted a role config with durationSeconds 43201");
        } catch (StsInvalidArgumentException e) {
            startsWith("durationSeconds: 43201 is out of range", e.getMessage());
        }
    }

    @Test
    public void assumeRoleParamCheckUsesLibstsRules() {
        com.tencent.cloud.assumerole.AssumeRoleParam p = new com.tencent.cloud.assumerole.AssumeRoleParam();
        p.setSecretId(TestEnv.SECRET_ID);
        p.setSecretKey(TestEnv.SECRET_KEY);
        try {
            p.check();
            fail("check() accepted a parameter object without roleArn");
        } catch (StsInvalidArgumentException e) {
            assertEquals("roleArn: must not be empty", e.getMessage());
        }
        p.setRoleArn("qcs::cam::uin/100000000001:roleName/x");
        p.setRoleSessionName("x"); // under the service's two-character minimum
        try {
            p.check();
            fail("check() accepted a one-character roleSessionName");
        } catch (StsInvalidArgumentException e) {
            startsWith("roleSessionName: ", e.getMessage());
        }
        p.setRoleSessionName("session-1");
        p.check();
    }
}
