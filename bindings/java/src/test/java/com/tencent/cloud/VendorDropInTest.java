package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tencent.cloud.assumerole.AssumeRoleParam;
import com.tencent.cloud.cos.util.Jackson;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every public name the vendor SDK's own tests (java/src/test/java/com/tencent/cloud/*.java of
 * tencentyun/qcloud-cos-sts-sdk) use, in the way they use it, against the emulator: their programs
 * compile against this binding with nothing changed but the endpoint.
 */
public class VendorDropInTest {
    private static final String[] UPLOAD_ACTIONS = {
        "name/cos:PutObject",
        "name/cos:PostObject",
        "name/cos:InitiateMultipartUpload",
        "name/cos:ListMultipartUploads",
        "name/cos:ListParts",
        "name/cos:UploadPart",
        "name/cos:CompleteMultipartUpload",
    };

    private static TreeMap<String, Object> keys() {
        TreeMap<String, Object> config = new TreeMap<String, Object>();
        config.put("secretId", TestEnv.SECRET_ID);
        config.put("secretKey", TestEnv.SECRET_KEY);
        config.put("url", TestEnv.url("ok")); // the emulator (the vendor SDK could only set "host")
        config.put("durationSeconds", 1800);
        return config;
    }

    private static void assertCredential(Response response) {
        assertTrue(response.credentials.tmpSecretId.startsWith("AKID"), "tmpSecretId");
        assertFalse(response.credentials.tmpSecretKey.isEmpty(), "tmpSecretKey");
        assertFalse(response.credentials.sessionToken.isEmpty(), "sessionToken");
        assertEquals(response.startTime + 1800, response.expiredTime, "startTime + durationSeconds");
        assertNotNull(response.requestId);
        assertTrue(response.expiration.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), response.expiration);
    }

    /** CosStsClientTest.testGetCredential: allowPrefixes and allowActions as String[]. */
    @Test
    public void getCredentialWithPrefixesAndActions() throws Exception {
        TreeMap<String, Object> config = keys();
        config.put("bucket", "sts-sdk-test-1250000000");
        config.put("region", "ap-chengdu");
        config.put("allowPrefixes", new String[] {"exampleobject", "exampleobject2"});
        config.put("allowActions", UPLOAD_ACTIONS);
        assertCredential(CosStsClient.getCredential(config));
    }

    /** CosStsClientTest.testGetCredential2: a policy from scopes, the answer printed with Jackson. */
    @Test
    public void getCredentialWithScopesAndJacksonOutput() throws Exception {
        TreeMap<String, Object> config = keys();
        List<Scope> scopes = new LinkedList<Scope>();
        scopes.add(new Scope("name/cos:PutObject", "sts-sdk-test-1250000000", "ap-chengdu", "/test.txt"));
        scopes.add(new Scope("name/cos:GetObject", "sts-sdk-test-1250000000", "ap-chengdu", "/test.txt"));
        config.put("policy", CosStsClient.getPolicy(scopes));
        Response credential = CosStsClient.getCredential(config);
        assertCredential(credential);

        // Jackson.toJsonPrettyString(Response): the vendor's field names, indented, no "token".
        String json = Jackson.toJsonPrettyString(credential);
        assertTrue(json.contains("\n"), "pretty-printed");
        Map<String, Object> back = TestJson.object(json);
        assertEquals(Arrays.asList("credentials", "requestId", "expiration", "startTime", "expiredTime"),
                Arrays.asList(back.keySet().toArray()));
        Map<String, Object> c = TestJson.asObject(back.get("credentials"));
        assertEquals(Arrays.asList("tmpSecretId", "tmpSecretKey", "sessionToken"), Arrays.asList(c.keySet().toArray()));
        assertEquals(credential.credentials.sessionToken, c.get("sessionToken"));
        assertEquals(credential.expiredTime, back.get("expiredTime"));
    }

    /** CosStsClientTest.testGetCredential3: Policy, Statement and ConditionTypeValue by hand. */
    @Test
    public void getCredentialWithAHandBuiltPolicy() throws Exception {
        Policy policy = new Policy();
        policy.setVersion("2.0");
        Statement statement = new Statement();
        statement.setEffect("allow");
        statement.addActions(UPLOAD_ACTIONS);
        statement.addResources(new String[] {
            String.format("qcs::cos:%s:uid/%s:%s/%s", "ap-chengdu", "1250000000", "sts-sdk-test-1250000000", "exampleObject")
        });
        ConditionTypeValue conditionTypeValue = new ConditionTypeValue();
        conditionTypeValue.setKey("qcs:ip");
        conditionTypeValue.addValue("192.0.2.0/24");
        conditionTypeValue.addValue("198.51.100.7");
        statement.addCondition("ip_equal", conditionTypeValue);
        policy.addStatement(statement);

        // The condition in CAM's form (the vendor's serialised "key"/"valueList", which CAM ignores).
        Map<String, Object> st = TestJson.asObject(((List<?>) TestJson.object(Jackson.toJsonString(policy)).get("statement")).get(0));
        assertEquals(Map.of("ip_equal", Map.of("qcs:ip", List.of("192.0.2.0/24", "198.51.100.7"))), st.get("condition"));
        assertEquals("allow", st.get("effect"));
        assertEquals(Arrays.asList(UPLOAD_ACTIONS), st.get("action"));
        assertFalse(Jackson.toJsonString(policy).contains("principal"), "a null principal is left out");

        TreeMap<String, Object> config = keys();
        config.put("region", "ap-chengdu");
        config.put("policy", Jackson.toJsonPrettyString(policy));
        // libsts reads the policy it sends: the condition reaches it as written.
        String checked = CosStsClient.checkConfig(config);
        assertTrue(checked.contains("\"ip_equal\":{\"qcs:ip\":[\"192.0.2.0/24\",\"198.51.100.7\"]}"), checked);
        assertCredential(CosStsClient.getCredential(config));
    }

    /** A statement with a Principal (role trust policies) keeps the vendor's JSON shape. */
    @Test
    public void principalSerialisesAsQcsList() {
        Policy policy = new Policy();
        Principal principal = new Principal();
        principal.addQCSString("qcs::cam::uin/100000000001:root");
        policy.setPrincipal(principal);
        Map<String, Object> p = TestJson.object(Jackson.toJsonString(policy));
        assertEquals(Map.of("qcs", List.of("qcs::cam::uin/100000000001:root")), p.get("principal"));
        assertEquals("2.0", p.get("version"));
        assertEquals(List.of(), p.get("statement"));
    }

    /** CosStsClientTest.testGetAssumeRoleCredential: AssumeRoleParam.Parse(Properties). */
    @Test
    public void getRoleCredentialFromProperties() throws Exception {
        Properties properties = new Properties();
        properties.setProperty("SecretId", TestEnv.SECRET_ID);
        properties.setProperty("SecretKey", TestEnv.SECRET_KEY);
        properties.setProperty("region", "ap-guangzhou");
        properties.setProperty("durationSeconds", "1800");
        properties.setProperty("RoleArn", "qcs::cam::uin/100000000001:roleName/cos-uploader");
        properties.setProperty("RoleSessionName", "drop-in");
        properties.setProperty("policy.actions", "name/cos:PutObject");
        properties.setProperty("policy.resources", "qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*");
        AssumeRoleParam param = new AssumeRoleParam();
        param.Parse(properties);
        param.setUrl(TestEnv.url("ok"));
        assertCredential(CosStsClient.getRoleCredential(param));
    }

    /**
     * GetKeyAndCredentialsTest: its config has "duration" and "key", which the vendor SDK silently
     * ignored (so its 1800 s came from the default). libsts refuses them, naming the key, before
     * any request; without them the same program works, and getUploadCredential does the job the
     * demo does by hand, with the extension checked.
     */
    @Test
    public void getKeyAndCredentialsDemo() throws Exception {
        String bucket = "bucket-1250000000";
        String region = "ap-guangzhou";
        String key = "file/20261202/20261202_123456.jpg";
        Map<String, Object> condition = new HashMap<String, Object>();
        condition.put("string_like_if_exist", Map.of("cos:content-type", "image/*"));
        condition.put("numeric_less_than_equal", Map.of("cos:content-length", 5L * 1024 * 1024));
        Map<String, Object> statement = new HashMap<String, Object>();
        statement.put("action", Arrays.asList("name/cos:PutObject", "name/cos:InitiateMultipartUpload"));
        statement.put("effect", "allow");
        statement.put("resource", Arrays.asList("qcs::cos:" + region + ":uid/1250000000:" + bucket + "/" + key));
        statement.put("condition", condition);
        Map<String, Object> policy = new HashMap<String, Object>();
        policy.put("version", "2.0");
        policy.put("statement", Arrays.asList(statement));

        TreeMap<String, Object> config = new TreeMap<String, Object>();
        config.put("secretId", TestEnv.SECRET_ID);
        config.put("secretKey", TestEnv.SECRET_KEY);
        config.put("proxy", "");
        config.put("duration", 1800);
        config.put("bucket", bucket);
        config.put("region", region);
        config.put("key", key);
        config.put("policy", Jackson.toJsonPrettyString(policy));
        config.put("url", TestEnv.url("ok"));
        StsInvalidArgumentException e = assertThrows(StsInvalidArgumentException.class, () -> CosStsClient.getCredential(config));
        assertTrue(e.getMessage().startsWith("duration: unknown config key"), e.getMessage());
        config.remove("duration");
        e = assertThrows(StsInvalidArgumentException.class, () -> CosStsClient.getCredential(config));
        assertTrue(e.getMessage().startsWith("key: unknown config key"), e.getMessage());
        config.remove("key");

        Response response = CosStsClient.getCredential(config);
        assertCredential(response);
        TreeMap<String, Object> credential = new TreeMap<String, Object>();
        credential.put("startTime", response.startTime);
        credential.put("expiredTime", response.expiredTime);
        credential.put("requestId", response.requestId);
        credential.put("expiration", response.expiration);
        credential.put("bucket", config.get("bucket"));
        credential.put("key", key);
        Map<String, Object> printed = TestJson.object(Jackson.toJsonPrettyString(credential));
        assertEquals(response.expiredTime, printed.get("expiredTime"));
        assertEquals(bucket, printed.get("bucket"));
    }

    /** getPolicyTest.testScopesPolicy and testScopesPolicy2: scopes in a LinkedList. */
    @Test
    public void getPolicyFromScopes() {
        List<Scope> scopes = new LinkedList<Scope>();
        Scope scope = new Scope("name/cos:PutObject", "test-1250000000", "ap-guangzhou", "/test.txt");
        scopes.add(scope);
        scope = new Scope("name/cos:GetObject", "test-1250000000", "ap-guangzhou", "/test.txt");
        scopes.add(scope);
        scope = new Scope("name/cos:HeadObject", "test-1250000000", "ap-guangzhou", "/test.txt");
        scopes.add(scope);
        List<?> statements = (List<?>) TestJson.object(CosStsClient.getPolicy(scopes)).get("statement");
        assertEquals(3, statements.size());
        Map<String, Object> third = TestJson.asObject(statements.get(2));
        assertEquals(List.of("name/cos:HeadObject"), third.get("action"));
        assertEquals(List.of("qcs::cos:ap-guangzhou:uid/1250000000:test-1250000000/test.txt"), third.get("resource"));
    }

    /** getPolicyTest.testParametersPolicy: CosStsClient.Parameters and getPolicy(Parameters). */
    @Test
    public void getPolicyFromParameters() {
        TreeMap<String, Object> config = new TreeMap<String, Object>();
        config.put("bucket", "123123123-1253653367");
        config.put("region", "ap-beijing");
        config.put("allowPrefixes", new String[] {"exampleobject", "exampleobject2"});
        config.put("allowActions", UPLOAD_ACTIONS);
        CosStsClient.Parameters parameters = new CosStsClient.Parameters();
        parameters.parse(config);
        Map<String, Object> policy = TestJson.object(CosStsClient.getPolicy(parameters));
        assertEquals("2.0", policy.get("version"));
        List<?> statements = (List<?>) policy.get("statement");
        assertEquals(1, statements.size(), "one statement, as the vendor builds it");
        Map<String, Object> st = TestJson.asObject(statements.get(0));
        assertEquals(Arrays.asList(UPLOAD_ACTIONS), st.get("action"));
        assertEquals(List.of("qcs::cos:ap-beijing:uid/1253653367:123123123-1253653367/exampleobject",
                "qcs::cos:ap-beijing:uid/1253653367:123123123-1253653367/exampleobject2"), st.get("resource"));

        // The same policy getCredential sends for that config.
        TreeMap<String, Object> withKeys = new TreeMap<String, Object>(config);
        withKeys.put("secretId", TestEnv.SECRET_ID);
        withKeys.put("secretKey", TestEnv.SECRET_KEY);
        Object sent = TestJson.object(CosStsClient.checkConfig(withKeys)).get("policy");
        assertEquals(policy, sent instanceof String ? TestJson.object((String) sent) : sent);

        // The key pair plays no part: half a pair given (as the vendor's tests do, from a file) is fine.
        CosStsClient.Parameters withId = new CosStsClient.Parameters();
        withId.parse(config);
        withId.parse(Map.of("SecretId", "AKIDHALFAPAIREXAMPLE"));
        assertEquals(policy, TestJson.object(CosStsClient.getPolicy(withId)));

        // A missing field is libsts's error, naming the key.
        CosStsClient.Parameters noBucket = new CosStsClient.Parameters();
        TreeMap<String, Object> partial = new TreeMap<String, Object>(config);
        partial.remove("bucket");
        noBucket.parse(partial);
        StsInvalidArgumentException e = assertThrows(StsInvalidArgumentException.class, () -> CosStsClient.getPolicy(noBucket));
        assertTrue(e.getMessage().startsWith("bucket: "), e.getMessage());
    }
}
