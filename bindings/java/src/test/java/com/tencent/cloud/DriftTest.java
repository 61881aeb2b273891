package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The binding against include/sts.h and the core's key table: fails when they drift apart. */
public class DriftTest {

    /** LibSts's STS_* fields are the header's enum, every name and number. */
    @Test
    public void stsCodesMatchTheHeader() throws IllegalAccessException {
        Map<String, Integer> mine = new LinkedHashMap<>();
        for (Field f : LibSts.class.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (f.getName().startsWith("STS_") && Modifier.isStatic(mod) && Modifier.isFinal(mod) && f.getType() == int.class) {
                mine.put(f.getName(), f.getInt(null));
            }
        }
        assertEquals(CoreReference.headerCodes(), mine, "LibSts's STS_* constants vs include/sts.h");
    }

    /**
     * Every libsts key, canonical or alias, reaches libsts exactly as given (the vendor table never
     * takes over a libsts spelling), so a key the core adds works here at once.
     */
    @Test
    public void everyCoreKeyPassesThroughUnchanged() {
        for (Map.Entry<String, List<String>> e : CoreReference.coreKeys().entrySet()) {
            Set<String> spellings = new HashSet<>(e.getValue());
            spellings.add(e.getKey());
            for (String key : spellings) {
                String json = CosStsClient.translate(Collections.singletonMap(key, null));
                assertEquals("{" + TestJson.write(key) + ":null}", json, key + " is renamed on its way to libsts");
            }
        }
    }

    /** Every vendor spelling maps to a libsts key. */
    @Test
    public void vendorKeysMapToCoreKeys() {
        Set<String> core = new HashSet<>();
        for (Map.Entry<String, List<String>> e : CoreReference.coreKeys().entrySet()) {
            core.add(e.getKey());
            core.addAll(e.getValue());
        }
        for (Map.Entry<String, String> v : CosStsClient.VENDOR_KEYS.entrySet()) {
            assertTrue(core.contains(v.getValue()), "VENDOR_KEYS maps " + v.getKey() + " to " + v.getValue() + ", not a libsts key");
            assertTrue(
                    v.getKey().equals(v.getKey().toLowerCase(java.util.Locale.ROOT)), "VENDOR_KEYS must be keyed by the lower-case spelling: " + v.getKey());
        }
        // The vendor's spellings that differ from every libsts one do reach libsts as a libsts key.
        for (String vendor : new String[] {"SecretId", "SECRETKEY", "allowPrefixes", "AllowActions", "Host"}) {
            String json = CosStsClient.translate(Collections.singletonMap(vendor, "v"));
            String sent = TestJson.object(json).keySet().iterator().next();
            assertTrue(core.contains(sent), vendor + " reaches libsts as " + sent);
        }
    }
}
