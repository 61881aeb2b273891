package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The binding's JSON through Jackson: what it writes for libsts, and what it refuses naming the field. */
public class JsonTextTest {

    @Test
    public void writesEscapesAndTypesAsLibstsReadsThem() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n\t\u0001/\u00e9\ud83d\ude00");
        m.put("i", 42);
        m.put("l", -9007199254740993L);
        m.put("d", 1.5);
        m.put("b", true);
        m.put("n", null);
        m.put("arr", new String[] {"x", "y"});
        m.put("ints", new int[] {1, 2});
        m.put("list", Arrays.asList(1, "two"));
        String json = JsonText.write(m, "value");
        // Read back by another reader: the same values, the long exact.
        Map<String, Object> back = TestJson.object(json);
        assertEquals("a\"b\\c\n\t\u0001/\u00e9\ud83d\ude00", back.get("s"));
        assertEquals(-9007199254740993L, back.get("l"));
        assertEquals(1.5, back.get("d"));
        assertEquals(List.of("x", "y"), back.get("arr"));
        assertEquals(List.of(1L, 2L), back.get("ints"));
        assertTrue(back.containsKey("n") && back.get("n") == null);
        assertFalse(json.contains("\u0000"), "no raw NUL ever reaches the C string");
    }

    @Test
    public void twoSpellingsOfOneKeyBothReachLibsts() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("secretId", "AKIDEXAMPLE1");
        c.put("SecretId", "AKIDEXAMPLE2");
        assertEquals("{\"secretId\":\"AKIDEXAMPLE1\",\"secretId\":\"AKIDEXAMPLE2\"}", CosStsClient.translate(c));
    }

    @Test
    public void refusesWhatJsonCannotCarryNamingThePath() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("allowPrefixes", List.of("a/*", Double.NaN));
        assertEquals("allowPrefixes[1]: NaN and infinity are not JSON numbers",
                assertThrows(StsInvalidArgumentException.class, () -> CosStsClient.translate(c)).getMessage());
        Map<String, Object> d = Map.of("condition", Map.of("ip_equal", Map.of("qcs:ip", Float.POSITIVE_INFINITY)));
        assertEquals("condition.ip_equal.qcs:ip: NaN and infinity are not JSON numbers",
                assertThrows(StsInvalidArgumentException.class, () -> CosStsClient.translate(d)).getMessage());
        for (String s : new String[] {"\udc00", "x\ud800", "\ud800\ud800\udc00"}) {
            Map<String, Object> e = Map.of("secretKey", s);
            assertEquals("secretKey: string has an unpaired UTF-16 surrogate",
                    assertThrows(StsInvalidArgumentException.class, () -> CosStsClient.translate(e)).getMessage());
        }
        // A backslash followed by "ud800" is text, not a surrogate.
        assertEquals("{\"name\":\"a\\\\ud800\"}", CosStsClient.translate(Map.of("name", "a\\ud800")));
    }

    @Test
    public void aMapThatContainsItselfIsRefusedNotStackOverflow() {
        Map<String, Object> m = new HashMap<>();
        m.put("a", m);
        StsInvalidArgumentException e = assertThrows(StsInvalidArgumentException.class,
                () -> CosStsClient.translate(Map.of("condition", m)));
        assertTrue(e.getMessage().startsWith("condition.a.a.a"), e.getMessage());
        assertTrue(e.getMessage().contains("contains itself"), e.getMessage());
        assertTrue(e.getMessage().length() < 300, "the path is abbreviated");
    }

    @Test
    public void userJsonTextIsStrictAndNeverQuoted() {
        String[] bad = {"", " ", "{", "[1,]", "{\"a\":1,}", "{a:1}", "01", "tru", "{\"a\":1} x",
            "{\"secret\":1,\"secret\":2}", "'secret-value'"};
        for (String s : bad) {
            StsInvalidArgumentException e = assertThrows(StsInvalidArgumentException.class,
                    () -> JsonText.parseUserText(s, "condition"), s);
            assertTrue(e.getMessage().startsWith("condition: not valid JSON"), e.getMessage());
            assertFalse(e.getMessage().contains("secret"), e.getMessage());
        }
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 100000; i++) {
            deep.append('[');
        }
        assertThrows(StsInvalidArgumentException.class, () -> JsonText.parseUserText(deep.toString(), "condition"));
    }
}
