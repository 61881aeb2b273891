package com.tencent.cloud;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** The binding's own JSON writer and reader. */
public class JsonTest {

    @Test
    public void writesEscapesAndTypes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n\t\u0001\u007f\u2028/\u00e9\ud83d\ude00");
        m.put("i", 42);
        m.put("l", -9007199254740993L);
        m.put("d", 1.5);
        m.put("b", true);
        m.put("n", null);
        m.put("arr", new String[] {"x", "y"});
        m.put("ints", new int[] {1, 2});
        m.put("list", Arrays.asList(1, "two"));
        assertEquals("{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\\u2028/\u00e9\ud83d\ude00\",\"i\":42,"
                + "\"l\":-9007199254740993,\"d\":1.5,\"b\":true,\"n\":null,\"arr\":[\"x\",\"y\"],"
                + "\"ints\":[1,2],\"list\":[1,\"two\"]}", Json.write(m));
    }

    @Test
    public void roundTrip() {
        String text = "{\"a\":[1,-2.5e3,true,false,null,\"\\u00e9\\ud83d\\ude00\\/\"],\"b\":{},\"c\":[],"
                + "\"big\":123456789012345678901234567890}";
        Map<String, Object> m = Json.asObject(Json.parse(text), "t");
        List<?> a = (List<?>) m.get("a");
        assertEquals(1L, a.get(0));
        assertEquals(-2500.0, a.get(1));
        assertEquals(Boolean.TRUE, a.get(2));
        assertEquals(Boolean.FALSE, a.get(3));
        assertNull(a.get(4));
        assertEquals("\u00e9\ud83d\ude00/", a.get(5));
        assertEquals(Collections.emptyMap(), m.get("b"));
        assertEquals(Collections.emptyList(), m.get("c"));
        assertEquals(new BigInteger("123456789012345678901234567890"), m.get("big"));
        assertEquals(m, Json.parse(Json.write(m)));
    }

    @Test
    public void rejectsInvalidJson() {
        String[] bad = {"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{a:1}", "01", "1.", ".5", "-", "1e", "tru",
            "\"abc", "\"\\x\"", "\"\\u12G4\"", "\"a\u0001\"", "[1] 2", "{\"a\":1,\"a\":2}", "NaN", "'a'"};
        for (String s : bad) {
            try {
                Json.parse(s);
                fail("accepted " + s);
            } catch (IllegalArgumentException expected) {
                assertFalse("error quotes the input", expected.getMessage().contains(s) && s.length() > 2);
            }
        }
    }

    @Test
    public void refusesWhatJsonCannotCarry() {
        Object[] bad = {Double.NaN, Float.POSITIVE_INFINITY, new Object(), "\udc00", "x\ud800",
            Collections.singletonMap(1, "non-string key")};
        for (Object o : bad) {
            try {
                Json.write(o);
                fail("wrote " + o);
            } catch (IllegalArgumentException expected) {
                // fine
            }
        }
    }

    @Test
    public void aMapThatContainsItselfIsRefusedNotStackOverflow() {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("a", m);
        try {
            Json.write(m, "condition");
            fail();
        } catch (StsInvalidArgumentException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().startsWith("condition.a.a.a"));
            assertTrue(expected.getMessage(), expected.getMessage().contains("contains itself"));
        }
    }

    @Test
    public void deepNestingIsRefusedNotStackOverflow() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100000; i++) {
            sb.append('[');
        }
        try {
            Json.parse(sb.toString());
            fail();
        } catch (IllegalArgumentException expected) {
            // fine
        }
    }
}
