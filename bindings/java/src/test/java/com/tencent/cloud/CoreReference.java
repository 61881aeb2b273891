package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the core says about itself, read from the repository (include/sts.h, src/) and checked
 * against the library: the reference the drift tests compare this binding with. The repository
 * root comes from the {@code sts.root} system property (test.sh sets it).
 */
final class CoreReference {
    private CoreReference() {}

    static Path root() {
        String root = System.getProperty("sts.root");
        if (root == null || root.isEmpty()) {
            throw new IllegalStateException("system property sts.root is not set: run the tests through bindings/java/test.sh");
        }
        return Paths.get(root);
    }

    static String read(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code typedef enum StsCode { NAME = N, ... } StsCode;} of include/sts.h, in order. */
    static Map<String, Integer> headerCodes() {
        String text = read(root().resolve("include/sts.h"));
        Matcher body = Pattern.compile("(?s)typedef enum StsCode \\{(.*?)\\} StsCode;").matcher(text);
        assertTrue(body.find(), "include/sts.h: no `typedef enum StsCode { ... } StsCode;`");
        // Doc comments may mention names too: drop them before reading the enumerators.
        String code = body.group(1).replaceAll("(?s)/\\*.*?\\*/|//[^\\n]*", "");
        Map<String, Integer> codes = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\b(STS_[A-Z0-9_]+)\\s*=\\s*([0-9]+)\\s*,?").matcher(code);
        while (m.find()) {
            codes.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        // Every enumerator must have been read: one without `= N` would be missed above.
        int enumerators = code.split("STS_", -1).length - 1;
        assertEquals(enumerators, codes.size(), "include/sts.h: codes read vs enumerators in " + code);
        assertFalse(codes.isEmpty());
        return codes;
    }

    /** The error message of sts_check_config for {@code json}, or null when it is accepted. */
    static String checkConfig(String json) {
        LibSts.Result r = LibSts.call(LibSts.Fn.CHECK_CONFIG, json);
        if (r.code == LibSts.STS_OK) {
            return null;
        }
        assertEquals(LibSts.STS_INVALID_ARGUMENT, r.code, r.json);
        return CosStsClient.toException(r).getMessage();
    }

    /**
     * Whether the core knows {@code key}: for {@code {"key": null}} it answers "key: unknown config
     * key..." exactly when it does not, since unknown keys are refused before any value is read.
     */
    static boolean knownToCore(String key) {
        String m = checkConfig("{" + TestJson.write(key) + ":null}");
        return m != null && !m.startsWith(key + ": unknown config key");
    }

    /**
     * The core's config keys, canonical name to aliases.
     *
     * <p>The core exports no list of its keys, and a copy here would be the very drift this is meant
     * to catch, so the list comes from the one table in src/ ({@code const KEYS}, entries
     * {@code ("canonical", &["alias", ...])}). Parsing source could silently miss entries if the
     * table's layout changed, so the result is held against the table's every string literal (none
     * may be left unread), and against the library itself: each name must be known to
     * sts_check_config, each alias must be the same key as its canonical name ("given twice"), and
     * an invented key must come back unknown (so that the probe can tell the difference at all).
     */
    static Map<String, List<String>> coreKeys() {
        Map<String, List<String>> keys = tableKeys("KEYS");
        assertTrue(keys.size() >= 10, "src KEYS: only " + keys.size() + " entries read");

        if (knownToCore("no_such_key_EXAMPLE")) {
            fail("sts_check_config does not refuse an unknown key: the probe cannot work");
        }
        for (Map.Entry<String, List<String>> e : keys.entrySet()) {
            assertTrue(knownToCore(e.getKey()), "src KEYS names " + e.getKey() + ", which sts_check_config does not know");
            for (String alias : e.getValue()) {
                String m = checkConfig("{" + TestJson.write(e.getKey()) + ":null," + TestJson.write(alias) + ":null}");
                assertTrue(
                        m != null && m.startsWith(alias + ": given twice"), "src KEYS says " + alias + " is an alias of " + e.getKey() + "; sts_check_config says " + m);
            }
        }
        return keys;
    }

    /**
     * The entries {@code ("canonical", &["alias", ...])} of the one {@code const NAME} table in src/
     * (KEYS, UPLOAD_KEYS, CACHE_KEYS), every string literal of it read.
     */
    static Map<String, List<String>> tableKeys(String name) {
        Pattern tablePattern = Pattern.compile("(?s)\\bconst " + name + "\\b[^=]*=\\s*&\\[(.*?)\\]\\s*;");
        List<String> tables = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root().resolve("src"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".rs")).collect(Collectors.toList())) {
                Matcher m = tablePattern.matcher(read(p));
                while (m.find()) {
                    tables.add(m.group(1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertEquals(1, tables.size(), "`const " + name + "` tables in src/ (update tableKeys to the core's new layout)");
        String table = tables.get(0).replaceAll("//[^\\n]*", "");
        Pattern literal = Pattern.compile("\"([^\"\\\\]*)\"");
        Matcher entry = Pattern.compile("\\(\\s*\"([^\"]+)\"\\s*,\\s*&\\[([^\\]]*)\\]\\s*,?\\s*\\)").matcher(table);
        Map<String, List<String>> keys = new LinkedHashMap<>();
        int read = 0;
        while (entry.find()) {
            List<String> aliases = new ArrayList<>();
            Matcher a = literal.matcher(entry.group(2));
            while (a.find()) {
                aliases.add(a.group(1));
            }
            keys.put(entry.group(1), aliases);
            read += 1 + aliases.size();
        }
        int literals = 0;
        for (Matcher l = literal.matcher(table); l.find();) {
            literals++;
        }
        assertEquals(literals, read, "string literals in src " + name + " vs names read (update tableKeys)");
        return keys;
    }
}
