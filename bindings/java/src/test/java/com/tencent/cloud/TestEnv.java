package com.tencent.cloud;

import java.util.TreeMap;

/** Emulator URLs handed over by test.sh as system properties, and config builders. */
final class TestEnv {
    private TestEnv() {}

    static final String SECRET_ID = "AKIDEMULATOREXAMPLE0000000000000000";
    static final String SECRET_KEY = "emulator-secret-key-EXAMPLE";
    static final String BUCKET = "example-1250000000";
    static final String REGION = "ap-guangzhou";

    /** The emulator for {@code name}: ok, malformed, http500, throttle, hang, drop, flaky. */
    static String url(String name) {
        String v = System.getProperty("sts.emulator." + name);
        if (v == null || v.isEmpty()) {
            throw new IllegalStateException("system property sts.emulator." + name
                    + " is not set: run the tests through bindings/java/test.sh");
        }
        return v;
    }

    /** A vendor-style config (camelCase keys, String[] values) against the emulator {@code name}. */
    static TreeMap<String, Object> config(String name) {
        TreeMap<String, Object> c = new TreeMap<>();
        c.put("secretId", SECRET_ID);
        c.put("secretKey", SECRET_KEY);
        c.put("durationSeconds", 1800);
        c.put("bucket", BUCKET);
        c.put("region", REGION);
        c.put("allowPrefixes", new String[] {"dir/*", "other/file.txt"});
        c.put("allowActions", new String[] {"name/cos:PutObject", "name/cos:GetObject"});
        c.put("url", url(name));
        return c;
    }
}
