package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** getPolicy(List&lt;Scope&gt;): local, through sts_get_policy. */
public class PolicyTest {
    private static final String RES = "qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000";

    @Test
    public void singleScopeExactOutput() {
        Scope s = new Scope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", "dir/*");
        assertEquals("{\"version\":\"2.0\",\"statement\":[{\"action\":[\"name/cos:PutObject\"],\"effect\":\"allow\","
                + "\"resource\":[\"" + RES + "/dir/*\"]}]}", CosStsClient.getPolicy(Collections.singletonList(s)));
    }

    @Test
    public void severalScopesAndDeny() {
        Scope a = new Scope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", "/1.txt");
        Scope b = new Scope("name/cos:GetObject", "example-1250000000", "ap-guangzhou", "dir/exampleobject");
        b.isAllow(false);
        Map<String, Object> p = parse(CosStsClient.getPolicy(Arrays.asList(a, b)));
        List<?> st = (List<?>) p.get("statement");
        assertEquals(2, st.size());
        Map<?, ?> s0 = (Map<?, ?>) st.get(0);
        Map<?, ?> s1 = (Map<?, ?>) st.get(1);
        assertEquals("allow", s0.get("effect"));
        // a leading '/' keeps one '/'
        assertEquals(Collections.singletonList(RES + "/1.txt"), s0.get("resource"));
        assertEquals("deny", s1.get("effect"));
        assertEquals(Collections.singletonList("name/cos:GetObject"), s1.get("action"));
        assertEquals(Collections.singletonList(RES + "/dir/exampleobject"), s1.get("resource"));
    }

    @Test
    public void conditionFromStringIsKept() {
        Scope s = new Scope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", "dir/*");
        s.setCondition("{\"ip_equal\":{\"qcs:ip\":[\"10.0.0.0/8\",\"192.168.1.1\"]}}");
        Map<String, Object> st = firstStatement(CosStsClient.getPolicy(Collections.singletonList(s)));
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("ip_equal", Collections.singletonMap("qcs:ip", Arrays.asList("10.0.0.0/8", "192.168.1.1")));
        assertEquals(expected, st.get("condition"));
        assertEquals("{\"ip_equal\":{\"qcs:ip\":[\"10.0.0.0/8\",\"192.168.1.1\"]}}", s.getCondition());
    }

    @Test
    public void conditionFromMapIsKept() {
        Scope s = new Scope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", "dir/*");
        Map<String, Object> cond = new LinkedHashMap<>();
        cond.put("string_equal", Collections.singletonMap("cos:content-type", "image/jpeg"));
        cond.put("numeric_less_than_equal", Collections.singletonMap("cos:content-length", 10485760));
        s.setCondition(cond);
        Map<String, Object> st = firstStatement(CosStsClient.getPolicy(Collections.singletonList(s)));
        Map<?, ?> got = (Map<?, ?>) st.get("condition");
        assertEquals(Collections.singletonMap("cos:content-type", "image/jpeg"), got.get("string_equal"));
        assertEquals(Collections.singletonMap("cos:content-length", 10485760L), got.get("numeric_less_than_equal"));
        s.setCondition((String) null);
        assertNull(s.getCondition());
        assertNull(firstStatement(CosStsClient.getPolicy(Collections.singletonList(s))).get("condition"));
    }

    @Test
    public void conditionThatIsNotJsonIsRefusedAtOnce() {
        Scope s = new Scope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", "dir/*");
        for (String bad : new String[] {"{\"a\":", "not json", "{\"a\":1} x", "{\"a\":1,\"a\":2}"}) {
            try {
                s.setCondition(bad);
                fail("accepted condition " + bad);
            } catch (StsInvalidArgumentException e) {
                assertTrue(e.getMessage().startsWith("condition: "), e.getMessage());
            }
        }
    }

    @Test
    public void conditionThatIsNotAnObjectIsRefusedByLibsts() {
        Scope s = new Scope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", "dir/*");
        s.setCondition("[1]");
        String m = expectIae(Collections.singletonList(s));
        assertTrue(m.startsWith("scopes[0].condition: "), m);
    }

    @Test
    public void ciServiceResource() {
        Scope s = new Scope("name/ci:CreateMediaJobs", "example-1250000000", "ap-guangzhou", "*");
        s.setService("ci");
        assertEquals("qcs::ci:ap-guangzhou:uid/1250000000:bucket/example-1250000000/*", s.getResource());
    }

    @Test
    public void getResourceMatchesVendorFormat() {
        Scope s = new Scope("name/cos:GetObject", "example-1250000000", "ap-beijing", "a.jpg");
        assertEquals("qcs::cos:ap-beijing:uid/1250000000:example-1250000000/a.jpg", s.getResource());
    }

    @Test
    public void emptyListGrantsNothing() {
        assertEquals("{\"version\":\"2.0\",\"statement\":[]}", CosStsClient.getPolicy(Collections.<Scope>emptyList()));
    }

    @Test
    public void badScopesAreIllegalArgumentNamingTheField() {
        assertEquals("scopes: null", expectIae(null));
        assertTrue(expectIae(Collections.<Scope>singletonList(null)).startsWith("scopes[0]: "));
        // no prefix
        assertTrue(expectIae(Collections.singletonList(
                new Scope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", null))).startsWith("scopes[0].prefix: "));
        // no action
        assertTrue(expectIae(Collections.singletonList(
                new Scope(null, "example-1250000000", "ap-guangzhou", "dir/*"))).startsWith("scopes[0].action: "));
        // bad effect cannot be expressed; bad service can
        Scope s = new Scope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", "dir/*");
        s.setService("s3");
        assertTrue(expectIae(Collections.singletonList(s)).startsWith("scopes[0].service: "));
    }

    @Test
    public void nonAsciiSurvives() {
        String prefix = "\u76ee\u5f55/\u00e9\u00e8/\ud83d\ude00*"; // 目录/éè/😀*
        Scope s = new Scope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", prefix);
        s.setCondition(Collections.singletonMap("string_equal",
                Collections.singletonMap("cos:x-cos-meta-name", "\u540d\u524d")));
        Map<String, Object> st = firstStatement(CosStsClient.getPolicy(Collections.singletonList(s)));
        assertEquals(Collections.singletonList(RES + "/" + prefix), st.get("resource"));
        assertEquals("\u540d\u524d", ((Map<?, ?>) ((Map<?, ?>) st.get("condition")).get("string_equal"))
                .get("cos:x-cos-meta-name"));
    }

    @Test
    public void unpairedSurrogateIsRefusedNotMangled() {
        Scope s = new Scope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", "dir/\ud83d*");
        assertEquals("scopes[0]: string has an unpaired UTF-16 surrogate", expectIae(Collections.singletonList(s)));
    }

    /** The message of the StsInvalidArgumentException (an IllegalArgumentException) getPolicy throws. */
    private static String expectIae(List<Scope> scopes) {
        try {
            CosStsClient.getPolicy(scopes);
        } catch (StsInvalidArgumentException expected) {
            assertEquals(LibSts.STS_INVALID_ARGUMENT, expected.getStsCode());
            assertTrue(expected instanceof IllegalArgumentException);
            return expected.getMessage();
        }
        fail("expected StsInvalidArgumentException");
        return null;
    }

    static Map<String, Object> parse(String json) {
        return TestJson.object(json);
    }

    static Map<String, Object> firstStatement(String json) {
        Map<String, Object> p = parse(json);
        assertEquals("2.0", p.get("version"));
        return TestJson.asObject(((List<?>) p.get("statement")).get(0));
    }
}
