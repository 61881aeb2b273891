package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * tests/data/bad_configs.json: every case, merged over a valid GetFederationToken config for the
 * emulator, is refused with libsts's STS_INVALID_ARGUMENT naming the field, and nothing is sent.
 *
 * <p>The cases name 10.200.0.1 in URLs, so test.sh runs this class alone inside scripts/netns.sh,
 * where 10.200.0.1 is a local trap address and nothing else is routable, against an emulator started
 * in the same namespace ({@code sts.emulator.ok}, its stderr log in {@code sts.emulator.log}, one line
 * per request). Outside the namespace it fails before naming the address to libsts: the trap
 * cannot listen there.
 */
public class BadConfigTest {
    private final List<ServerSocketChannel> trap = new ArrayList<>();
    private String text;

    @BeforeEach
    public void listenOnEveryAddressTheCasesName() throws IOException {
        assertEquals("1", System.getenv("STS_IN_NETNS"), "run through scripts/netns.sh (bindings/java/test.sh does)");
        text = CoreReference.read(CoreReference.root().resolve("tests/data/bad_configs.json"));
        Set<String> seen = new LinkedHashSet<>();
        Matcher m = Pattern.compile("\\b(\\d{1,3}(?:\\.\\d{1,3}){3}):(\\d+)\\b").matcher(text);
        while (m.find()) {
            if (seen.add(m.group())) {
                ServerSocketChannel ch = ServerSocketChannel.open();
                ch.bind(new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2))));
                ch.configureBlocking(false);
                trap.add(ch);
            }
        }
        assertTrue(seen.contains("10.200.0.1:18080"), "the cases no longer name 10.200.0.1:18080: " + seen);
    }

    @AfterEach
    public void closeTrap() throws IOException {
        for (ServerSocketChannel ch : trap) {
            ch.close();
        }
    }

    /** The trap addresses that accepted a connection since the last call. */
    private List<String> connected() throws IOException {
        List<String> hit = new ArrayList<>();
        for (ServerSocketChannel ch : trap) {
            for (SocketChannel c; (c = ch.accept()) != null;) {
                c.close();
                hit.add(ch.getLocalAddress().toString());
            }
        }
        return hit;
    }

    /** Request lines in the emulator's log. */
    private static int requests() {
        String log = CoreReference.read(java.nio.file.Paths.get(System.getProperty("sts.emulator.log")));
        return log.split(" -> ", -1).length - 1;
    }

    private static Map<String, Object> base() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("secret_id", TestEnv.SECRET_ID);
        c.put("secret_key", TestEnv.SECRET_KEY);
        c.put("bucket", TestEnv.BUCKET);
        c.put("region", TestEnv.REGION);
        c.put("allow_prefix", List.of("dir/*"));
        c.put("allow_actions", List.of("name/cos:PutObject"));
        c.put("timeout_ms", 2000); // a regression fails fast instead of hanging on the trap
        c.put("retries", 0);
        c.put("url", TestEnv.url("ok"));
        return c;
    }

    /** The case over the base: same key replaced in place, new keys appended in order, null removes. */
    private static Map<String, Object> merge(Map<String, Object> over) {
        Map<String, Object> c = base();
        for (Map.Entry<String, Object> e : over.entrySet()) {
            if (e.getValue() == null) {
                c.remove(e.getKey());
            } else {
                c.put(e.getKey(), e.getValue());
            }
        }
        return c;
    }

    @Test
    public void everyBadConfigIsRefusedByLibstsAndNothingIsSent() throws Exception {
        assertTrue(TestEnv.url("ok").startsWith("http://127.0.0.1:"), TestEnv.url("ok"));
        // The base config works, and the emulator's log and the trap would show a request.
        assertNotNull(CosStsClient.getCredential(base()).credentials.tmpSecretId);
        assertEquals(1, requests(), "requests logged for one call");
        new Socket("10.200.0.1", 18080).close();
        assertEquals(1, connected().size(), "trap connections for one connect");

        List<?> cases = (List<?>) TestJson.object(text).get("cases");
        List<String> failures = new ArrayList<>();
        for (Object o : cases) {
            Map<String, Object> tc = TestJson.asObject(o);
            String name = (String) tc.get("name");
            String field = (String) tc.get("field");
            String contains = (String) tc.get("contains");
            Map<String, Object> config = merge(TestJson.asObject(tc.get("config")));
            int before = requests();
            String problem = null;
            try {
                CosStsClient.getCredential(config);
                problem = "accepted";
            } catch (StsInvalidArgumentException e) {
                if (e.getStsCode() != LibSts.STS_INVALID_ARGUMENT || !StsInvalidArgumentException.CODE.equals(e.getCode())) {
                    problem = "code " + e.getStsCode() + " " + e.getCode();
                } else if (!e.getMessage().startsWith(field + ": ") || !e.getMessage().contains(contains)) {
                    problem = "message '" + e.getMessage() + "' should start with '" + field + ": ' and contain '" + contains + "'";
                }
            } catch (StsException e) {
                problem = "want STS_INVALID_ARGUMENT, got " + e.getStsCode() + ": " + e.getMessage();
            }
            List<String> hit = connected();
            if (!hit.isEmpty()) {
                problem = (problem == null ? "" : problem + "; ") + "libsts connected to " + hit;
            }
            if (requests() != before) {
                problem = (problem == null ? "" : problem + "; ") + "the emulator received a request";
            }
            if (problem != null) {
                failures.add(name + ": " + problem);
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + cases.size() + " bad configs:\n  " + String.join("\n  ", failures));
        }
    }
}
