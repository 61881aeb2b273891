package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Caller identity, web identity and the AssumeRole extras against the emulator. Every value goes to
 * libsts as given: the refusals asserted here are the core's messages, naming its key.
 */
public class IdentityTest {
    static final String ROLE_ARN = "qcs::cam::uin/100000000001:roleName/cos-uploader";
    static final String OIDC_PROVIDER = "tke-oidc";
    static final String OIDC_TOKEN = "oidc-token-EXAMPLE-eyJhbGciOi";

    static Map<String, Object> identityConfig(String emulator) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("secretId", TestEnv.SECRET_ID);
        c.put("secretKey", TestEnv.SECRET_KEY);
        c.put("url", TestEnv.url(emulator));
        return c;
    }

    static Map<String, Object> webIdentityConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("providerId", OIDC_PROVIDER);
        c.put("webIdentityToken", OIDC_TOKEN);
        c.put("roleArn", ROLE_ARN);
        c.put("roleSessionName", "pod-1");
        c.put("durationSeconds", 900);
        c.put("url", TestEnv.url("webidentity"));
        return c;
    }

    static Throwable cause(CompletionException e) {
        return e.getCause();
    }

    @Test
    public void callerIdentityOfAPermanentKey() throws Exception {
        CallerIdentity id = CosStsClient.getCallerIdentity(identityConfig("ok"));
        assertEquals("RootAccount", id.type);
        assertEquals("config", id.credentialSource);
        assertTrue(id.arn.startsWith("qcs::cam::uin/"), id.arn);
        for (String v : new String[] {id.accountId, id.userId, id.principalId, id.requestId}) {
            assertNotNull(v, id.toString());
            assertFalse(v.isEmpty(), id.toString());
        }
        assertFalse(id.toString().contains(TestEnv.SECRET_KEY));

        Map<String, Object> shanghai = identityConfig("ok");
        shanghai.put("region", "ap-shanghai");
        CallerIdentity async = CosStsClient.getCallerIdentityAsync(shanghai).get(10, TimeUnit.SECONDS);
        assertEquals(id.arn, async.arn);
        assertEquals(id.accountId, async.accountId);
        assertNotEquals(id.requestId, async.requestId);
    }

    @Test
    public void callerIdentityOfATemporaryKeyAndItsErrors() throws Exception {
        Map<String, Object> temp = identityConfig("temporary");
        temp.put("secretId", "AKIDTEMPORARYEXAMPLE");
        temp.put("secretKey", "temporary-key");
        temp.put("sessionToken", "session-token-EXAMPLE");
        assertEquals("CAMRole", CosStsClient.getCallerIdentity(temp).type);

        Map<String, Object> wrong = identityConfig("ok");
        wrong.put("secretKey", "wrong-key-EXAMPLE");
        StsServiceException svc = assertThrows(StsServiceException.class, () -> CosStsClient.getCallerIdentity(wrong));
        assertEquals("AuthFailure.SignatureFailure", svc.getCode());
        CompletionException ce = assertThrows(CompletionException.class, () -> CosStsClient.getCallerIdentityAsync(wrong).join());
        assertEquals("AuthFailure.SignatureFailure", ((StsServiceException) cause(ce)).getCode());

        // A key no caller identity call takes: the core's refusal, naming it, nothing sent.
        Map<String, Object> bucket = identityConfig("ok");
        bucket.put("bucket", TestEnv.BUCKET);
        StsInvalidArgumentException bad = assertThrows(StsInvalidArgumentException.class, () -> CosStsClient.getCallerIdentity(bucket));
        assertTrue(bad.getMessage().startsWith("bucket: "), bad.getMessage());
        ce = assertThrows(CompletionException.class, () -> CosStsClient.getCallerIdentityAsync(bucket).join());
        assertTrue(cause(ce).getMessage().startsWith("bucket: "), cause(ce).getMessage());
    }

    @Test
    public void webIdentityWithATokenAndATokenFile(@TempDir Path dir) throws Exception {
        Response r = CosStsClient.getWebIdentityCredential(webIdentityConfig());
        CredentialTest.assertValid(r, 900);
        Map<String, Object> defaults = webIdentityConfig();
        defaults.remove("durationSeconds");
        defaults.remove("roleSessionName");
        CredentialTest.assertValid(CosStsClient.getWebIdentityCredentialAsync(defaults).get(10, TimeUnit.SECONDS), 1800);

        // The file is read at every call: a rotated token is picked up.
        Path file = dir.resolve("token");
        Files.write(file, (OIDC_TOKEN + "\n").getBytes(StandardCharsets.UTF_8));
        Map<String, Object> fromFile = webIdentityConfig();
        fromFile.remove("webIdentityToken");
        fromFile.put("webIdentityTokenFile", file.toString());
        CredentialTest.assertValid(CosStsClient.getWebIdentityCredential(fromFile), 900);
        Files.write(file, "rotated-oidc-token-EXAMPLE".getBytes(StandardCharsets.UTF_8));
        StsServiceException svc = assertThrows(StsServiceException.class, () -> CosStsClient.getWebIdentityCredential(fromFile));
        assertTrue(svc.getCode().startsWith("AuthFailure") || svc.getCode().startsWith("InvalidParameter"), svc.getCode());
        assertFalse(svc.getMessage().contains("rotated-oidc-token-EXAMPLE"), svc.getMessage());
    }

    @Test
    public void badWebIdentityConfigsAreTheCoresRefusals(@TempDir Path dir) {
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[] {(Consumer<Map<String, Object>>) c -> c.remove("providerId"), "provider_id: "});
        cases.add(new Object[] {(Consumer<Map<String, Object>>) c -> c.remove("roleArn"), "role_arn: "});
        cases.add(new Object[] {(Consumer<Map<String, Object>>) c -> c.remove("webIdentityToken"), "web_identity_token"});
        cases.add(new Object[] {(Consumer<Map<String, Object>>) c -> c.put("webIdentityTokenFile", dir.resolve("t").toString()),
            "webIdentityTokenFile: "});
        cases.add(new Object[] {(Consumer<Map<String, Object>>) c -> c.put("durationSeconds", 43201), "durationSeconds: "});
        // Unsigned: a key pair in its config is refused, not silently dropped.
        cases.add(new Object[] {(Consumer<Map<String, Object>>) c -> c.put("secretId", TestEnv.SECRET_ID), "secretId: "});
        cases.add(new Object[] {(Consumer<Map<String, Object>>) c -> c.put("policy", "{}"), "policy: "});
        for (Object[] tc : cases) {
            @SuppressWarnings("unchecked")
            Consumer<Map<String, Object>> edit = (Consumer<Map<String, Object>>) tc[0];
            String prefix = (String) tc[1];
            Map<String, Object> c = webIdentityConfig();
            edit.accept(c);
            StsInvalidArgumentException e =
                    assertThrows(StsInvalidArgumentException.class, () -> CosStsClient.getWebIdentityCredential(c), prefix);
            assertTrue(e.getMessage().startsWith(prefix), prefix + " vs " + e.getMessage());
            assertFalse(e.getMessage().contains(OIDC_TOKEN), e.getMessage());
            CompletionException ce = assertThrows(CompletionException.class, () -> CosStsClient.getWebIdentityCredentialAsync(c).join());
            assertTrue(cause(ce) instanceof StsInvalidArgumentException, String.valueOf(cause(ce)));
            assertEquals(e.getMessage(), cause(ce).getMessage());
        }
    }

    static Map<String, Object> tag(String key, String value) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("key", key);
        t.put("value", value);
        return t;
    }

    static Map<String, Object> extrasConfig() {
        Map<String, Object> c = identityConfig("ok");
        c.put("roleArn", ROLE_ARN);
        c.put("durationSeconds", 1200);
        c.put("tags", List.of(tag("team", "media"), tag("env", "")));
        c.put("sourceIdentity", "user-1@example");
        c.put("serialNumber", "qcs::cam::uin/100000000001:mfa/softToken");
        c.put("tokenCode", "654321");
        return c;
    }

    @Test
    public void assumeRoleExtrasReachTheEmulator() throws Exception {
        CredentialTest.assertValid(CosStsClient.getRoleCredential(extrasConfig()), 1200);
        CredentialTest.assertValid(CosStsClient.getRoleCredentialAsync(extrasConfig()).get(10, TimeUnit.SECONDS), 1200);
        // What libsts would send: every extra arrived, the MFA code is not shown.
        String checked = CosStsClient.checkConfig(extrasConfig());
        Map<String, Object> doc = TestJson.object(checked);
        assertEquals(List.of(tag("team", "media"), tag("env", "")), doc.get("tags"), checked);
        assertEquals("user-1@example", doc.get("source_identity"), checked);
        assertEquals("qcs::cam::uin/100000000001:mfa/softToken", doc.get("serial_number"), checked);
        assertFalse(checked.contains("654321"), checked);
    }

    @Test
    public void badAssumeRoleExtrasAreTheCoresRefusals() {
        List<Object> many = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            many.add(tag("k" + i, "v"));
        }
        Object[][] cases = {
            {"tags", List.of(tag("a", "v"), tag("b", "v"), tag("c", "v"), tag("k".repeat(129), "v")), "tags[3].key: "},
            {"tags", List.of(tag("k0", "v"), tag("k1", "v"), tag("k0", "again")), "tags[2].key: "},
            {"tags", many, "tags: "},
            {"sourceIdentity", "a b", "sourceIdentity: "},
            {"tokenCode", "65432", "tokenCode: "},
            {"tokenCode", null, "token_code: "},
            {"serialNumber", null, "serial_number: "},
        };
        for (Object[] tc : cases) {
            Map<String, Object> c = extrasConfig();
            if (tc[1] == null) {
                c.remove((String) tc[0]);
            } else {
                c.put((String) tc[0], tc[1]);
            }
            String prefix = (String) tc[2];
            StsInvalidArgumentException e = assertThrows(StsInvalidArgumentException.class, () -> CosStsClient.getRoleCredential(c), prefix);
            assertTrue(e.getMessage().startsWith(prefix), prefix + " vs " + e.getMessage());
        }
        // GetFederationToken takes none of them: the core says which call they belong to.
        Map<String, Object> federation = TestEnv.config("ok");
        federation.put("sourceIdentity", "user-1");
        StsInvalidArgumentException e = assertThrows(StsInvalidArgumentException.class, () -> CosStsClient.getCredential(federation));
        assertTrue(e.getMessage().startsWith("sourceIdentity: "), e.getMessage());
    }
}
