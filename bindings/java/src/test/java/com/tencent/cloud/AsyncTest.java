package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.tencent.cloud.assumerole.AssumeRoleParam;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** getCredentialAsync / getRoleCredentialAsync over libsts's async exports. */
public class AsyncTest {
    private static final String ROLE_ARN = "qcs::cam::uin/100000000001:roleName/cos-uploader";

    /** The async counters before a test; {@link #settle} compares with them. */
    private static final class Baseline {
        final long callbacks = AsyncCalls.CALLBACKS.get();
        final long discarded = AsyncCalls.DISCARDED.get();
        final long unknown = AsyncCalls.UNKNOWN_IDS.get();
    }

    /**
     * Waits (at most 5 s) until libsts owes no answer, then checks that {@code callbacks} callbacks
     * ran since {@code base}, {@code discarded} of them freeing an answer nobody waited for, and that
     * none came for an id that was not pending (a second callback for a call).
     */
    private static void settle(Baseline base, long callbacks, long discarded) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (AsyncCalls.pending() != 0) {
            if (System.nanoTime() > end) {
                fail(AsyncCalls.pending() + " async calls still pending after 5 s");
            }
            Thread.sleep(5);
        }
        assertEquals(callbacks, AsyncCalls.CALLBACKS.get() - base.callbacks, "callbacks");
        assertEquals(discarded, AsyncCalls.DISCARDED.get() - base.discarded, "answers freed unread");
        assertEquals(0, AsyncCalls.UNKNOWN_IDS.get() - base.unknown, "callbacks for an id not pending");
    }

    private static TreeMap<String, Object> role(String emulator) {
        TreeMap<String, Object> c = TestEnv.config(emulator);
        c.remove("allowPrefixes");
        c.remove("allowActions");
        c.remove("bucket");
        c.put("roleArn", ROLE_ARN);
        return c;
    }

    @Test
    public void bothCallsSucceed() throws Exception {
        Baseline base = new Baseline();
        CredentialTest.assertValid(CosStsClient.getCredentialAsync(TestEnv.config("ok")).get(10, TimeUnit.SECONDS), 1800);
        TreeMap<String, Object> r = role("ok");
        r.put("durationSeconds", 1000);
        CredentialTest.assertValid(CosStsClient.getRoleCredentialAsync(r).get(10, TimeUnit.SECONDS), 1000);
        AssumeRoleParam param = new AssumeRoleParam();
        param.setSecretId(TestEnv.SECRET_ID);
        param.setSecretKey(TestEnv.SECRET_KEY);
        param.setRoleArn(ROLE_ARN);
        param.setRoleSessionName("async-param");
        param.setDurationSec(1200);
        param.setUrl(TestEnv.url("ok"));
        CredentialTest.assertValid(CosStsClient.getRoleCredentialAsync(param).get(10, TimeUnit.SECONDS), 1200);
        settle(base, 3, 0);
    }

    /** The exception a future failed with (unwrapped), or an AssertionError if it did not fail. */
    private static Throwable failure(CompletableFuture<Response> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the future did not fail");
    }

    /** The exception the blocking call throws for {@code config}. */
    private static Exception blockingFailure(Map<String, Object> config, boolean role) {
        try {
            if (role) {
                CosStsClient.getRoleCredential(config);
            } else {
                CosStsClient.getCredential(config);
            }
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("the blocking call did not fail");
    }

    /**
     * Every error class through the async export: the same exception type, code and message as the
     * blocking call, with exactly one callback per call (none for what the binding refuses itself).
     */
    @Test
    public void everyErrorClassIsTheBlockingCallsExactlyOnce() throws Exception {
        List<Object[]> cases = new ArrayList<>(); // name, config, role?, exception type, code, callbacks
        TreeMap<String, Object> c = TestEnv.config("ok");
        c.put("secretKey", "wrong-secret-key-EXAMPLE");
        cases.add(new Object[] {"service error", c, false, StsServiceException.class, "AuthFailure.SignatureFailure", 1});
        c = role("ok");
        c.put("secretKey", "wrong-secret-key-EXAMPLE");
        cases.add(new Object[] {"service error, AssumeRole", c, true, StsServiceException.class, "AuthFailure.SignatureFailure", 1});
        c = TestEnv.config("ok");
        c.put("url", "http://127.0.0.1:1/");
        c.put("retries", 0);
        cases.add(new Object[] {"network error", c, false, StsNetworkException.class, "Client.Network", 1});
        c = TestEnv.config("malformed");
        c.put("retries", 0);
        cases.add(new Object[] {"bad response", c, false, StsBadResponseException.class, "Client.BadResponse", 1});
        c = role("http500");
        c.put("retries", 0);
        cases.add(new Object[] {"HTTP 500", c, true, StsBadResponseException.class, "Client.HttpStatus", 1});
        c = TestEnv.config("ok");
        c.put("durationSeconds", 0);
        cases.add(new Object[] {"invalid argument from libsts", c, false, StsInvalidArgumentException.class, "Client.InvalidArgument", 1});
        c = TestEnv.config("ok");
        cases.add(new Object[] {"invalid argument, AssumeRole without roleArn", c, true, StsInvalidArgumentException.class,
            "Client.InvalidArgument", 1});
        c = TestEnv.config("ok");
        c.put("secretType", "long-term");
        cases.add(new Object[] {"invalid argument from the binding", c, false, StsInvalidArgumentException.class,
            "Client.InvalidArgument", 0});
        for (Object[] tc : cases) {
            String name = (String) tc[0];
            @SuppressWarnings("unchecked")
            Map<String, Object> config = (Map<String, Object>) tc[1];
            boolean role = (Boolean) tc[2];
            Exception want = blockingFailure(config, role);
            Baseline base = new Baseline();
            CompletableFuture<Response> f = role ? CosStsClient.getRoleCredentialAsync(config) : CosStsClient.getCredentialAsync(config);
            Throwable got = failure(f);
            assertSame(tc[3], got.getClass(), name + ": " + got);
            assertSame(tc[3], want.getClass(), name + ": the blocking call threw " + want);
            String code = got instanceof StsException ? ((StsException) got).getCode() : ((StsInvalidArgumentException) got).getCode();
            assertEquals(tc[4], code, name);
            if (!(got instanceof StsServiceException)) { // a service error's message holds its requestId
                assertEquals(want.getMessage(), got.getMessage(), name);
            }
            assertFalse(got.getMessage().contains("wrong-secret-key-EXAMPLE"), name + ": secret in " + got);
            Thread.sleep(20); // room for a second callback, were there one
            settle(base, (Integer) tc[5], 0);
        }
    }

    @Test
    public void nullArgumentsFailTheFuture() throws Exception {
        Baseline base = new Baseline();
        Throwable t = failure(CosStsClient.getCredentialAsync(null));
        assertTrue(t instanceof StsInvalidArgumentException && t.getMessage().startsWith("config: "), t.toString());
        t = failure(CosStsClient.getRoleCredentialAsync((AssumeRoleParam) null));
        assertTrue(t instanceof StsInvalidArgumentException && t.getMessage().startsWith("assumeRoleParam: "), t.toString());
        t = failure(CosStsClient.getCredentialAsync(TestEnv.config("ok"), null));
        assertTrue(t instanceof StsInvalidArgumentException && t.getMessage().startsWith("executor: "), t.toString());
        settle(base, 0, 0);
    }

    /** n calls at once against the emulator {@code emulator}; each must get its own answer. */
    private static long callsAtOnce(String emulator, int n) throws Exception {
        List<CompletableFuture<Response>> futures = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            TreeMap<String, Object> c = i % 2 == 0 ? TestEnv.config(emulator) : role(emulator);
            c.put("durationSeconds", 900 + i);
            c.put("retries", 0);
            futures.add(i % 2 == 0 ? CosStsClient.getCredentialAsync(c) : CosStsClient.getRoleCredentialAsync(c));
        }
        CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Response r = futures.get(i).get();
            CredentialTest.assertValid(r, 900 + i); // its own answer: the duration it asked for
            ids.add(r.requestId);
        }
        assertEquals(n, ids.size());
        return ms;
    }

    /**
     * 64 calls at once against an emulator answering in 200 ms take about one latency with libsts's
     * 64 workers (calls / concurrency x latency), 128 about two.
     */
    @Test
    public void concurrencyUnderLatency() throws Exception {
        Baseline base = new Baseline();
        long ms64 = callsAtOnce("latency200", 64);
        long ms128 = callsAtOnce("latency200", 128);
        System.err.println("[AsyncTest] 64 / 128 async calls at once, 200 ms emulator latency: " + ms64 + " / " + ms128 + " ms");
        assertTrue(ms64 >= 190 && ms64 < 2000, "64 calls took " + ms64 + " ms");
        assertTrue(ms128 >= 390 && ms128 < 3000, "128 calls took " + ms128 + " ms");
        settle(base, 64 + 128, 0);
    }

    /** Cancelling completes the future as cancelled at once; the answer is freed when it comes. */
    @Test
    public void cancelFreesTheAnswer() throws Exception {
        final int n = 32;
        Baseline base = new Baseline();
        List<CompletableFuture<Response>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(i % 2 == 0 ? CosStsClient.getCredentialAsync(TestEnv.config("latency200"))
                    : CosStsClient.getRoleCredentialAsync(role("latency200")));
        }
        Thread.sleep(30); // all sent, none answered yet
        for (CompletableFuture<Response> f : futures) {
            assertTrue(f.cancel(true));
        }
        for (CompletableFuture<Response> f : futures) {
            assertTrue(f.isCancelled());
            try {
                f.join();
                fail("a cancelled future joined");
            } catch (CancellationException expected) {
                // the future says so at once
            }
        }
        assertEquals(n, AsyncCalls.pending(), "the answers are still to come");
        settle(base, n, n);
    }

    /** totalTimeoutMs bounds the whole call, retries included, blocking or not. */
    @Test
    public void totalTimeoutMsEndsTheCall() throws Exception {
        TreeMap<String, Object> c = TestEnv.config("hang");
        c.put("totalTimeoutMs", 300);
        c.put("retries", 3);
        for (Function<TreeMap<String, Object>, CompletableFuture<Response>> call : List.<Function<TreeMap<String, Object>,
                CompletableFuture<Response>>>of(CosStsClient::getCredentialAsync, m -> {
                    try {
                        return CompletableFuture.completedFuture(CosStsClient.getCredential(m));
                    } catch (StsException e) {
                        return CompletableFuture.failedFuture(e);
                    }
                })) {
            long t0 = System.nanoTime();
            Throwable t = failure(call.apply(c));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(t instanceof StsNetworkException, t.toString());
            assertEquals("Client.Timeout", ((StsException) t).getCode());
            assertTrue(t.getMessage().contains("total_timeout_ms=300"), t.getMessage());
            assertTrue(ms >= 290 && ms < 2000, ms + " ms");
        }
        c.put("totalTimeoutMs", 0);
        Throwable t = failure(CosStsClient.getCredentialAsync(c));
        assertTrue(t instanceof StsInvalidArgumentException && t.getMessage().startsWith("totalTimeoutMs: "), t.toString());
    }

    /** The future completes on the executor given, never on a libsts worker. */
    @Test
    public void completesOnTheExecutor() throws Exception {
        ExecutorService mine = Executors.newSingleThreadExecutor(r -> new Thread(r, "my-executor"));
        try {
            CompletableFuture<String> thread = CosStsClient.getCredentialAsync(TestEnv.config("latency200"), mine)
                    .thenApply(r -> Thread.currentThread().getName());
            assertEquals("my-executor", thread.get(10, TimeUnit.SECONDS));
            thread = CosStsClient.getCredentialAsync(TestEnv.config("latency200")).thenApply(r -> Thread.currentThread().getName());
            String name = thread.get(10, TimeUnit.SECONDS);
            assertTrue(name.startsWith("ForkJoinPool.commonPool"), name);
        } finally {
            mine.shutdownNow();
        }
    }

    /** setAsyncWorkers bounds the calls in flight: 8 calls on 4 workers take two latencies. */
    @Test
    public void setAsyncWorkersBoundsTheCallsInFlight() throws Exception {
        for (int bad : new int[] {0, -1, 1025}) {
            try {
                CosStsClient.setAsyncWorkers(bad);
                fail("setAsyncWorkers(" + bad + ")");
            } catch (StsInvalidArgumentException e) {
                assertTrue(e.getMessage().startsWith("workers: "), e.getMessage());
            }
        }
        CosStsClient.setAsyncWorkers(4);
        try {
            // Idle workers above the new limit exit once woken; until then they still take queued
            // calls (libsts's worker loop looks at the queue before the limit).
            Thread.sleep(100);
            long ms = callsAtOnce("latency200", 8);
            assertTrue(ms >= 390 && ms < 2000, "8 calls on 4 workers took " + ms + " ms");
        } finally {
            CosStsClient.setAsyncWorkers(64);
        }
        CosStsClient.setAsyncWorkers(1024);
        CosStsClient.setAsyncWorkers(64);
        assertNotNull(CosStsClient.libraryVersion());
    }
}
