package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Non-ASCII input survives under LC_ALL=C, where Java 17's default charset is ASCII and a JNA
 * {@code String} argument would turn it into {@code ?}. Runs a child JVM with LC_ALL=C so the check
 * does not depend on how this JVM was started.
 */
public class LocaleTest {
    static final String PREFIX = "\u76ee\u5f55/\u00e9\ud83d\ude00/*";

    /** Child entry point: exit 0 if the policy keeps the prefix, print the default charset. */
    public static void main(String[] args) {
        Scope s = new Scope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", PREFIX);
        String policy = CosStsClient.getPolicy(Collections.singletonList(s));
        Map<String, Object> st = PolicyTest.firstStatement(policy);
        List<?> res = (List<?>) st.get("resource");
        boolean ok = ("qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/" + PREFIX).equals(res.get(0));
        System.out.println("charset=" + Charset.defaultCharset().name() + " ok=" + ok);
        System.exit(ok ? 0 : 1);
    }

    @Test
    public void nonAsciiSurvivesUnderLcAllC() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        for (String prop : new String[] {"jna.library.path", "libsts.path", "jna.boot.library.path"}) {
            if (System.getProperty(prop) != null) {
                cmd.add("-D" + prop + "=" + System.getProperty(prop));
            }
        }
        cmd.add(LocaleTest.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("LC_ALL", "C");
        pb.environment().remove("LANG");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out;
        try (InputStream in = p.getInputStream()) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            in.transferTo(buf);
            out = buf.toString(StandardCharsets.UTF_8).trim();
        }
        int rc = p.waitFor();
        assertTrue(
                out.contains("charset=US-ASCII") || out.contains("charset=ANSI_X3.4-1968"), "child saw an ASCII default charset (the condition under test): " + out);
        assertEquals(0, rc, out);
        assertTrue(out.endsWith("ok=true"), out);
    }
}
