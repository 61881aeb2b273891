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

    /**
     * The keys inside {@code upload} and {@code cache} (src/config/upload.rs UPLOAD_KEYS,
     * src/config/cache.rs CACHE_KEYS) reach libsts exactly as given, and the core knows each one:
     * the binding keeps no list of them, so a key the core adds works here at once.
     */
    @Test
    public void uploadAndCacheKeysPassThroughAndAreTheCores() {
        String[][] sections = {{"upload", "UPLOAD_KEYS"}, {"cache", "CACHE_KEYS"}};
        for (String[] section : sections) {
            Map<String, List<String>> keys = CoreReference.tableKeys(section[1]);
            assertTrue(keys.size() >= 2, section[1] + ": only " + keys.size() + " entries read");
            Set<String> spellings = new HashSet<>();
            keys.forEach((k, aliases) -> {
                spellings.add(k);
                spellings.addAll(aliases);
            });
            spellings.add("no_such_key_EXAMPLE");
            for (String key : spellings) {
                Map<String, Object> config = new LinkedHashMap<>();
                config.put("secretId", TestEnv.SECRET_ID);
                config.put("secretKey", TestEnv.SECRET_KEY);
                config.put("bucket", TestEnv.BUCKET);
                config.put("region", TestEnv.REGION);
                if (section[0].equals("cache")) {
                    config.put("allowPrefix", "dir/*");
                    config.put("allowActions", List.of("name/cos:GetObject"));
                }
                config.put(section[0], Collections.singletonMap(key, null));
                String json = CosStsClient.translate(config);
                assertTrue(json.endsWith(",\"" + section[0] + "\":{" + TestJson.write(key) + ":null}}"), json);
                String m = CoreReference.checkConfig(json);
                boolean unknown = m != null && m.startsWith(section[0] + "." + key + ": unknown key");
                assertEquals(key.equals("no_such_key_EXAMPLE"), unknown, section[0] + "." + key + ": " + m);
            }
        }
    }

    /** pom.xml's version is Cargo.toml's, and the library the jar carries reports it. */
    @Test
    public void pomVersionIsTheCargoVersionAndTheLibrarys() {
        java.util.regex.Matcher cargo = java.util.regex.Pattern.compile("(?m)^\\[workspace\\.package\\]\\s*\\nversion = \"([^\"]+)\"")
                .matcher(CoreReference.read(CoreReference.root().resolve("Cargo.toml")));
        assertTrue(cargo.find(), "Cargo.toml: no [workspace.package] version");
        String pom = CoreReference.read(CoreReference.root().resolve("bindings/java/pom.xml"));
        java.util.regex.Matcher project = java.util.regex.Pattern.compile("</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(project.find(), "pom.xml: no project <version>");
        assertEquals(cargo.group(1), project.group(1), "pom.xml version vs Cargo.toml");
        assertEquals(cargo.group(1), CosStsClient.libraryVersion(), "sts_version() of the loaded library");
        // The install lines users copy name it too.
        String readme = CoreReference.read(CoreReference.root().resolve("bindings/java/README.md"));
        assertTrue(readme.startsWith("# Java binding\n\n```xml\n<dependency>"), "bindings/java/README.md starts with its dependency");
        assertTrue(readme.contains("<artifactId>cos-sts-libsts</artifactId>\n  <version>" + cargo.group(1) + "</version>"),
                "bindings/java/README.md's dependency version");
        String top = CoreReference.read(CoreReference.root().resolve("README.md"));
        assertTrue(top.contains("`org.libsts:cos-sts-libsts:" + cargo.group(1) + "`"), "README.md's Java install line");
    }
}
