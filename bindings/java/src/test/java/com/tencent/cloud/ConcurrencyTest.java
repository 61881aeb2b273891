package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** 16 threads calling at once: every call succeeds and gets its own answer. */
public class ConcurrencyTest {
    private static final int THREADS = 16;
    private static final int ROUNDS = 10;

    @Test
    public void sixteenThreadsAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CyclicBarrier barrier = new CyclicBarrier(THREADS);
        try {
            List<Future<List<String>>> futures = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int t = 0; t < THREADS; t++) {
                final int id = t;
                futures.add(pool.submit(new Callable<List<String>>() {
                    @Override
                    public List<String> call() throws Exception {
                        List<String> ids = new ArrayList<>();
                        for (int i = 0; i < ROUNDS; i++) {
                            barrier.await(30, TimeUnit.SECONDS);
                            String prefix = "user-" + id + "/round-" + i + "/*";
                            Scope s = new Scope("name/cos:PutObject", TestEnv.BUCKET, TestEnv.REGION, prefix);
                            s.setCondition("{\"ip_equal\":{\"qcs:ip\":[\"10.0.0." + id + "\"]}}");
                            String policy = CosStsClient.getPolicy(Collections.singletonList(s));
                            assertTrue(policy.contains(prefix));
                            assertTrue(policy.contains("10.0.0." + id + "\""));
                            TreeMap<String, Object> c = TestEnv.config("ok");
                            c.remove("allowPrefixes");
                            c.remove("allowActions");
                            c.put("policy", policy);
                            Response r = (i % 2 == 0) ? CosStsClient.getCredential(c) : roleCall(c);
                            CredentialTest.assertValid(r, 1800);
                            ids.add(r.requestId);
                        }
                        return ids;
                    }
                }));
            }
            Set<String> requestIds = new HashSet<>();
            for (Future<List<String>> f : futures) {
                requestIds.addAll(f.get(120, TimeUnit.SECONDS));
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(THREADS * ROUNDS, requestIds.size(), "every call got its own answer");
            System.err.println("[ConcurrencyTest] " + THREADS * ROUNDS + " calls on " + THREADS
                    + " threads (policy + STS call each) in " + ms + " ms");
        } finally {
            pool.shutdownNow();
        }
    }

    private static Response roleCall(TreeMap<String, Object> c) throws StsException {
        c.put("roleArn", "qcs::cam::uin/100000000001:roleName/cos-uploader");
        c.put("roleSessionName", "concurrent");
        return CosStsClient.getRoleCredential(c);
    }
}
