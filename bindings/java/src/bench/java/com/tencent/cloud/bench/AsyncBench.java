package com.tencent.cloud.bench;

import com.tencent.cloud.CosStsClient;
import com.tencent.cloud.Response;
import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Calls/s of 32 concurrent callers against STS emulators answering in 30 ms: the binding's
 * getCredentialAsync (32 CompletableFutures in flight) and blocking getCredential (32 threads), and
 * the vendor SDK {@code com.qcloud:cos-sts_api} (32 threads), in one JVM, in rounds that alternate.
 * Run by {@code bindings/java/bench.sh}, which starts the emulators and passes them as system
 * properties.
 *
 * <p>The vendor SDK always connects with https and signs with the legacy signature v1 (HmacSHA1 over
 * a form, signing the host sts.tencentcloudapi.com when it connects to an address): it runs against
 * an HTTPS emulator (the repository's test-only certificate, trusted through
 * {@code javax.net.ssl.trustStore}), which verifies that as STS does and issues real keys. Every
 * call, the vendor's and the binding's, counts only when it returns a credential; anything else
 * ends the benchmark with an exception. The binding is measured
 * over http and over the same https emulator. The vendor jar defines {@code com.tencent.cloud.CosStsClient}
 * too, so it is loaded in a class loader of its own; its stdout printing goes to a null stream.
 */
public final class AsyncBench {
    private AsyncBench() {}

    private static final String SECRET_ID = "AKIDEMULATOREXAMPLE0000000000000000";
    private static final String SECRET_KEY = "emulator-secret-key-EXAMPLE";

    interface Contender {
        /** Makes {@code n} calls, {@code callers} at a time; returns calls/s. */
        double run(int callers, int n) throws Exception;
    }

    static TreeMap<String, Object> config(String url, String caFile) {
        TreeMap<String, Object> c = new TreeMap<>();
        c.put("secretId", SECRET_ID);
        c.put("secretKey", SECRET_KEY);
        c.put("durationSeconds", 1800);
        c.put("bucket", "example-1250000000");
        c.put("region", "ap-guangzhou");
        c.put("allowPrefixes", new String[] {"dir/*"});
        c.put("allowActions", new String[] {"name/cos:PutObject"});
        c.put("url", url);
        if (caFile != null) {
            c.put("caFile", caFile);
        }
        return c;
    }

    /** Throws unless the three fields of a credential are there (checked, not printed: they are keys). */
    static void issued(String tmpSecretId, String tmpSecretKey, String sessionToken, String who) {
        if (tmpSecretId == null || !tmpSecretId.startsWith("AKID") || tmpSecretKey == null || tmpSecretKey.isEmpty()
                || sessionToken == null || sessionToken.isEmpty()) {
            throw new IllegalStateException(who + ": the answer holds no credential");
        }
    }

    static void issued(Response r, String who) {
        issued(r.credentials.tmpSecretId, r.credentials.tmpSecretKey, r.credentials.sessionToken, who);
    }

    /** 32 futures in flight: each completion releases a permit for the next call. */
    static Contender async(TreeMap<String, Object> config) {
        return (callers, n) -> {
            Semaphore inFlight = new Semaphore(callers);
            CountDownLatch done = new CountDownLatch(n);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                inFlight.acquire();
                CompletableFuture<Response> f = CosStsClient.getCredentialAsync(config);
                f.whenComplete((r, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        try {
                            issued(r, "getCredentialAsync");
                        } catch (IllegalStateException missing) {
                            failure.compareAndSet(null, missing);
                        }
                    }
                    inFlight.release();
                    done.countDown();
                });
            }
            done.await();
            double rate = n / ((System.nanoTime() - t0) / 1e9);
            if (failure.get() != null) {
                throw new IllegalStateException("getCredentialAsync failed", failure.get());
            }
            return rate;
        };
    }

    interface Call {
        void call() throws Exception;
    }

    /** {@code callers} threads, each making its next call when its last one returned. */
    static Contender threads(Call call) {
        return (callers, n) -> {
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            AtomicInteger left = new AtomicInteger(n);
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < callers; i++) {
                futures.add(pool.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        call.call();
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : futures) {
                f.get();
            }
            double rate = n / ((System.nanoTime() - t0) / 1e9);
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            return rate;
        };
    }

    /** The vendor SDK's static getCredential(TreeMap), from its own class loader. */
    static Call vendor(String vendorClasspath, String httpsUrl) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String p : vendorClasspath.split(File.pathSeparator)) {
            urls.add(new File(p).toURI().toURL());
        }
        @SuppressWarnings("resource") // lives as long as the benchmark
        URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
        Method getCredential = loader.loadClass("com.tencent.cloud.CosStsClient").getMethod("getCredential", TreeMap.class);
        TreeMap<String, Object> config = config(null, null);
        config.remove("url");
        config.put("host", httpsUrl.replaceFirst("^https://", "").replaceFirst("/$", "")); // 127.0.0.1:PORT
        return () -> {
            Object response;
            try {
                response = getCredential.invoke(null, new TreeMap<>(config));
            } catch (InvocationTargetException e) {
                throw new IllegalStateException("vendor SDK: " + e.getCause(), e.getCause());
            }
            // Its Response and Credentials come from the other class loader: read by reflection.
            Object credentials = response.getClass().getField("credentials").get(response);
            Class<?> type = credentials.getClass();
            issued((String) type.getField("tmpSecretId").get(credentials),
                    (String) type.getField("tmpSecretKey").get(credentials),
                    (String) type.getField("sessionToken").get(credentials), "vendor SDK");
        };
    }

    public static void main(String[] args) throws Exception {
        String url = System.getProperty("bench.url");
        String httpsUrl = System.getProperty("bench.httpsUrl");
        String caFile = System.getProperty("bench.caFile");
        String vendorClasspath = System.getProperty("bench.vendorClasspath", "");
        int callers = Integer.getInteger("bench.callers", 32);
        int calls = Integer.getInteger("bench.calls", 2000);
        int rounds = Integer.getInteger("bench.rounds", 3);
        double latencyMs = Double.parseDouble(System.getProperty("bench.latencyMs", "30"));
        if (url == null || !url.startsWith("http://127.0.0.1:")) {
            throw new IllegalArgumentException("-Dbench.url must be the loopback emulator, http://127.0.0.1:PORT/");
        }
        List<String> names = new ArrayList<>();
        List<Contender> contenders = new ArrayList<>();
        names.add("libsts Java binding, getCredentialAsync (http)");
        contenders.add(async(config(url, null)));
        TreeMap<String, Object> blocking = config(url, null);
        names.add("libsts Java binding, getCredential on 32 threads (http)");
        contenders.add(threads(() -> issued(CosStsClient.getCredential(blocking), "getCredential")));
        if (httpsUrl != null && httpsUrl.startsWith("https://127.0.0.1:")) {
            names.add("libsts Java binding, getCredentialAsync (https)");
            contenders.add(async(config(httpsUrl, caFile)));
            if (!vendorClasspath.isEmpty()) {
                names.add("vendor com.qcloud:cos-sts_api 3.1.1, getCredential on 32 threads (https)");
                contenders.add(threads(vendor(vendorClasspath, httpsUrl)));
            }
        }
        PrintStream out = System.out;
        // The vendor SDK prints to stdout on every call: into a null stream while measuring.
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        double[][] results = new double[contenders.size()][rounds];
        try {
            for (Contender c : contenders) {
                c.run(callers, callers * 4); // warm-up: JIT, threads, connections
            }
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < contenders.size(); i++) {
                    results[i][r] = contenders.get(i).run(callers, calls);
                }
            }
        } finally {
            System.setOut(out);
        }
        double ideal = callers / (latencyMs / 1000);
        out.printf("%d callers, %d calls per round, %d rounds, emulator latency %.0f ms: ideal %.0f calls/s%n%n",
                callers, calls, rounds, latencyMs, ideal);
        out.println("| calls | calls/s (median of rounds) | rounds | of ideal |");
        out.println("|---|---|---|---|");
        for (int i = 0; i < contenders.size(); i++) {
            double[] sorted = results[i].clone();
            Arrays.sort(sorted);
            double median = sorted[sorted.length / 2];
            StringBuilder each = new StringBuilder();
            for (double v : results[i]) {
                each.append(each.length() == 0 ? "" : ", ").append(Math.round(v));
            }
            out.printf("| %s | %.0f | %s | %.0f %% |%n", names.get(i), median, each, 100 * median / ideal);
        }
    }
}
